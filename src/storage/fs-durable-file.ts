/**
 * How the fs backend makes files durable and describes them: stamps that keep etags
 * distinct, fsyncs of files and folders (on libuv's threads; the cheap calls around them
 * stay synchronous), and etags from stat alone.
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsync,
  futimesSync,
  openSync,
  type BigIntStats,
} from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { isMissing } from './fs-tree.js';
import type { ObjectInfo, PutResult } from './object-store.js';

const fsyncOnPool = promisify(fsync);

/** Cheap, from stat alone (so `head` never reads content): inode, size and mtime in ns. */
export function fsEtag(stats: BigIntStats): string {
  return `${stats.ino.toString(36)}-${stats.size.toString(36)}-${stats.mtimeNs.toString(36)}`;
}

export function objectInfo(key: string, stats: BigIntStats): ObjectInfo {
  return {
    key,
    size: Number(stats.size),
    etag: fsEtag(stats),
    lastModified: new Date(Number(stats.mtimeMs)),
  };
}

let lastStampMicros = 0;
/** Wall-clock seconds with microseconds, strictly increasing within the process. */
export function nextWriteStamp(): number {
  lastStampMicros = Math.max(Date.now() * 1000, lastStampMicros + 1);
  return lastStampMicros / 1e6;
}

export async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/**
 * Stamps a file that is about to be renamed into the store and syncs it to disk, so the
 * rename never publishes unsynced bytes. Undefined when it is not a regular file or may not
 * be modified (then `putFile` copies it, or says why not).
 *
 * Only the fsync goes to libuv's thread pool: open, stat, utimes and close take microseconds,
 * less than the thread hop of a promise call, and a batch makes hundreds of them.
 */
export async function syncForMove(source: string): Promise<PutResult | undefined> {
  let fd: number | undefined;
  try {
    // Not through a symlink: the link itself would move, not the file it names.
    fd = openSync(source, constants.O_RDWR | constants.O_NOFOLLOW);
    if (!fstatSync(fd).isFile()) return undefined;
    const stamp = nextWriteStamp();
    futimesSync(fd, stamp, stamp);
    await fsyncOnPool(fd);
    const stats = fstatSync(fd, { bigint: true });
    return { etag: fsEtag(stats), size: Number(stats.size) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (isPermission(error) || code === 'ELOOP' || code === 'EISDIR' || isMissing(error))
      return undefined;
    throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Makes a rename durable; not every platform can fsync a directory, which is fine there. */
export async function syncDirectory(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    await fsyncOnPool(fd);
  } catch {
    // Windows cannot open directories; its renames are journaled by NTFS.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isPermission(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}
