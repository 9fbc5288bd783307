/** Helpers over the byte streams a sync moves: hashing, counting, checksums as they pass. */
import type { S3EtagHasher } from '../../storage/s3-etag.js';
import { startChecksum, type ContentChecksum } from './content-checksum.js';

/** Passes the bytes on, feeding them to the hashes on the way. */
export async function* hashing(
  body: AsyncIterable<Buffer>,
  hash: ContentChecksum,
  etag?: S3EtagHasher,
): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    hash.update(chunk);
    etag?.update(chunk);
    yield chunk;
  }
}

/** Counts bytes as they pass, and stops the stream once the execution is cancelled. */
export async function* counting(
  body: AsyncIterable<Buffer>,
  signal: AbortSignal,
  onBytes: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    signal.throwIfAborted();
    onBytes(chunk.length);
    yield chunk;
  }
}

/** The checksum of a stream, read to its end. */
export async function checksumOf(
  body: AsyncIterable<Buffer>,
  signal: AbortSignal,
): Promise<string> {
  const hash = await startChecksum();
  for await (const chunk of body) {
    signal.throwIfAborted();
    hash.update(chunk);
  }
  return hash.digest();
}
