import { Readable } from 'node:stream';
import type { ObjectBody } from './object-store.js';

/** The bytes of a body that is already in memory, or undefined for a stream. */
export function inMemoryBytes(body: ObjectBody): Buffer | undefined {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) {
    return Buffer.isBuffer(body)
      ? body
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  return undefined;
}

/**
 * The chunks of a streamed body as Buffers, whatever the stream yields (a Readable with an
 * encoding yields strings). `onError` sees the body's own failures, so that a backend can
 * report them as they are rather than as storage errors. Stopping early destroys a Readable.
 */
export async function* bodyChunks(
  body: Readable | AsyncIterable<Uint8Array>,
  onError: (error: unknown) => void,
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
      else
        yield Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  } catch (error) {
    onError(error);
    throw error;
  }
}

/** Releases a body that will not be read to its end (a file stream holds a descriptor). */
export function discardBody(body: ObjectBody): void {
  if (body instanceof Readable) body.destroy();
}
