import { open } from 'node:fs/promises';
import { constants, gunzipSync } from 'node:zlib';
import chardet from 'chardet';
import type { ObjectStore } from '../../storage/object-store.js';

export type Compression = 'none' | 'gzip' | 'zstd';

/** The first bytes of a file, decompressed when Node can, with its detected text encoding. */
export interface FileHead {
  key: string;
  size: number;
  /** Raw first bytes (compressed, if the file is). */
  raw: Buffer;
  compression: Compression;
  /** Decompressed first bytes; undefined when Node cannot decompress (zstd on Node 20). */
  text: Buffer | undefined;
  /** `utf-8`, `latin-1`, `utf-16`, or the name chardet gave an encoding DuckDB cannot read. */
  encoding: string;
  /** True when `text` is the whole (decompressed) file. */
  complete: boolean;
}

export const HEAD_BYTES = 64 * 1024;

/** Reads a file's head: straight from disk on the fs backend, a ranged GET on S3. */
export async function readHead(store: ObjectStore, key: string, size: number): Promise<FileHead> {
  const length = Math.min(size, HEAD_BYTES);
  const raw = length === 0 ? Buffer.alloc(0) : await readRange(store, key, length);
  const compression = compressionOf(key, raw);
  let text: Buffer | undefined = raw;
  if (compression === 'gzip') {
    try {
      // Sync flush: a truncated head decompresses as far as it goes instead of failing.
      text = gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      text = undefined;
    }
  } else if (compression === 'zstd') text = undefined;
  const complete = compression === 'none' && size <= HEAD_BYTES;
  return {
    key,
    size,
    raw,
    compression,
    text,
    encoding: text ? encodingOf(text, complete) : 'utf-8',
    complete,
  };
}

async function readRange(store: ObjectStore, key: string, length: number): Promise<Buffer> {
  const local = store.localPath(key);
  if (local !== undefined) {
    const handle = await open(local, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key, { start: 0, end: length - 1 }))
    chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function compressionOf(key: string, raw: Buffer): Compression {
  if (/\.(gz|gzip)$/i.test(key) || (raw[0] === 0x1f && raw[1] === 0x8b)) return 'gzip';
  if (/\.(zst|zstd)$/i.test(key) || raw.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

const DECODER = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 when the bytes decode as such; otherwise what chardet finds, named as DuckDB names it. */
function encodingOf(text: Buffer, complete: boolean): string {
  // A head cut in the middle of a character is still UTF-8.
  const body = complete ? text : text.subarray(0, Math.max(0, text.length - 3));
  try {
    DECODER.decode(body);
    return 'utf-8';
  } catch {
    const guess = (chardet.detect(body) ?? 'unknown').toUpperCase();
    if (guess.startsWith('UTF-16')) return 'utf-16';
    if (guess === 'ISO-8859-1' || guess === 'WINDOWS-1252' || guess.startsWith('ISO-8859'))
      return 'latin-1';
    return guess.toLowerCase();
  }
}

/** Whether DuckDB reads this encoding without extensions. */
export function isReadableEncoding(encoding: string): boolean {
  return encoding === 'utf-8' || encoding === 'latin-1' || encoding === 'utf-16';
}
