import { randomUUID } from 'node:crypto';
import { constants, existsSync, lstatSync, rmSync, stat, statSync, utimesSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TEMPORARY_PREFIX } from '../../storage/object-key.js';
import { SyncFileError, fileErrorOf } from './sync-file-error.js';
import type { ListedItem, SyncTree, TreeEntry, WrittenFile } from './sync-tree.js';
import { localEntry, mtimeWholeMs, walkLocalDir } from './walk-local-dir.js';

const CHUNK = 256 * 1024;

export interface LocalDirTreeOptions {
  /**
   * Remove the temporary files that dead processes left while writing here, as the listing
   * meets them (destinations only: a source is never changed).
   */
  removeStaleTemporaries?: boolean;
  /** fsync each file before its rename. */
  fsync?: boolean;
  /** Give written files the source's modification time (default true). */
  preserveMtime?: boolean;
  objectKey?: (path: string) => string;
  location?: string;
}

/**
 * A local directory as a sync source or destination. Files are written to a temporary name
 * beside their final one (`.lakebox-tmp-<pid>-<uuid>`, a name no listing of the lake or of a
 * sync shows) and renamed into place, so a reader (or a crash) never sees a partial file.
 * Beside, not in one shared folder: creating a file locks its folder, and thousands of
 * files created at once in one folder would wait on each other. Reads open files
 * non-blocking, so that a file replaced by a FIFO can never hang a transfer.
 */
export class LocalDirTree implements SyncTree {
  readonly location: string;
  readonly objectKey?: (path: string) => string;
  private readonly folders = new Map<string, Promise<unknown>>();
  private readonly sweeps: Promise<void>[] = [];

  constructor(
    readonly root: string,
    private readonly options: LocalDirTreeOptions = {},
  ) {
    this.location = options.location ?? root;
    this.objectKey = options.objectKey;
  }

  async *list(): AsyncGenerator<ListedItem[]> {
    for await (const batch of walkLocalDir(this.root)) {
      if (!this.options.removeStaleTemporaries) {
        yield batch;
        continue;
      }
      // Temporary files are in-flight writes (of this or another live process) or the
      // leftovers of a dead one: the first are not files yet, the second go.
      const files = batch.filter((item) => {
        if (item.kind !== 'skipped' || item.code !== 'TEMPORARY_FILE') return true;
        removeIfStale(this.pathOf(item.path));
        return false;
      });
      if (files.length > 0) yield files;
    }
  }

  async *read(entry: TreeEntry, checkUnchanged = true): AsyncGenerator<Buffer> {
    const abs = this.pathOf(entry.path);
    let handle: FileHandle;
    try {
      handle = await open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw fileErrorOf(error, entry.path, 'read');
    }
    try {
      let total = 0;
      for (;;) {
        const want = Math.min(CHUNK, Math.max(entry.size - total, 0) + 1);
        const { bytesRead, buffer } = await handle
          .read({ buffer: Buffer.allocUnsafe(want) })
          .catch((error: unknown) => {
            if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw notAFile(entry.path);
            throw fileErrorOf(error, entry.path, 'read');
          });
        if (bytesRead === 0) break;
        total += bytesRead;
        if (checkUnchanged && total > entry.size) throw changed(entry.path);
        yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
        // A short read of a regular file is its end: spare the read that would say so.
        if (bytesRead < want) break;
      }
      if (!checkUnchanged) return;
      // After the read, so that one stat tells both what was read and whether it changed.
      const after = await handle.stat({ bigint: true });
      if (!after.isFile()) throw notAFile(entry.path);
      if (total !== entry.size || mtimeWholeMs(after) !== Math.floor(entry.mtimeMs))
        throw changed(entry.path);
    } finally {
      await handle.close();
    }
  }

  async write(path: string, body: AsyncIterable<Buffer>, source: TreeEntry): Promise<WrittenFile> {
    const target = this.pathOf(path);
    let tmp: string | undefined;
    try {
      tmp = await this.temporaryBeside(target);
      const handle = await open(tmp, 'wx');
      let written: WrittenFile;
      try {
        for await (const chunk of body) {
          for (let offset = 0; offset < chunk.length;) {
            offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
          }
        }
        if (this.options.preserveMtime !== false) {
          const mtime = new Date(Math.floor(source.mtimeMs));
          await handle.utimes(mtime, mtime);
        }
        if (this.options.fsync) await handle.datasync();
        const entry = localEntry(path, await handle.stat({ bigint: true }));
        written = { version: entry.version, size: entry.size };
      } finally {
        await handle.close();
      }
      await rename(tmp, target);
      return written;
    } catch (error) {
      if (tmp) await rm(tmp, { force: true });
      throw writeError(error, path);
    }
  }

  /**
   * Asks libuv's threads, and returns before they answer: the caller goes on meanwhile
   * (walking the source, whose folders are read with synchronous calls), so the lookups run
   * on the other cores. Measured on 10,000 files: 50 ms in sequence, 37 overlapped.
   */
  statFiles(paths: Iterable<string>): Promise<Map<string, TreeEntry>> {
    const found = new Map<string, TreeEntry>();
    const asked = [...paths];
    if (asked.length === 0) return Promise.resolve(found);
    return new Promise((resolve) => {
      let left = asked.length;
      for (const path of asked) {
        // Through symlinks, as the listing goes. ENOENT, ENOTDIR, ELOOP: no file there, and
        // writing it will say why.
        stat(this.pathOf(path), { bigint: true }, (error, stats) => {
          if (!error && stats.isFile()) found.set(path, localEntry(path, stats));
          if (--left === 0) resolve(found);
        });
      }
    });
  }

  localFile(path: string): string {
    return this.pathOf(path);
  }

  /**
   * Copies a file of another local tree in with one thread-pool call (`copyFile`: the kernel
   * copies, no byte passes through JavaScript, and calls for many files run side by side),
   * then stamps, checks and renames it into place like `write`. Undefined when the source is
   * not a plain regular file (a symlink, say): the caller streams it instead.
   */
  async copyIn(sourceFile: string, source: TreeEntry): Promise<WrittenFile | undefined> {
    const listed = lstatSync(sourceFile, { throwIfNoEntry: false, bigint: true });
    if (!listed) throw fileErrorOf({ code: 'ENOENT' }, source.path, 'read');
    // Also keeps FIFOs away from copyFile, whose blocking open would never return.
    if (!listed.isFile()) return undefined;
    if (Number(listed.size) !== source.size || mtimeWholeMs(listed) !== Math.floor(source.mtimeMs))
      throw changed(source.path);
    const target = this.pathOf(source.path);
    let tmp: string | undefined;
    try {
      tmp = await this.temporaryBeside(target);
      await copyFile(sourceFile, tmp, constants.COPYFILE_EXCL).catch((error: unknown) => {
        throw fileErrorOf(error, source.path, existsSync(sourceFile) ? 'copy' : 'read');
      });
      const after = statSync(sourceFile, { throwIfNoEntry: false, bigint: true });
      if (!after || mtimeWholeMs(after) !== Math.floor(source.mtimeMs)) throw changed(source.path);
      if (this.options.preserveMtime !== false) {
        const mtime = new Date(Math.floor(source.mtimeMs));
        utimesSync(tmp, mtime, mtime);
      }
      if (this.options.fsync) {
        const handle = await open(tmp, 'r');
        await handle.datasync().finally(() => handle.close());
      }
      const written = localEntry(source.path, lstatSync(tmp, { bigint: true }));
      if (written.size !== source.size) throw changed(source.path);
      await rename(tmp, target);
      return { version: written.version, size: written.size };
    } catch (error) {
      if (tmp) await rm(tmp, { force: true });
      throw writeError(error, source.path);
    }
  }

  async delete(path: string): Promise<void> {
    const abs = this.pathOf(path);
    await unlink(abs).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw fileErrorOf(error, path, 'delete');
    });
    // Empty folders left behind go too, up to (not including) the root.
    for (let dir = dirname(abs); dir.startsWith(`${this.root}/`); dir = dirname(dir)) {
      this.folders.delete(dir);
      if (
        !(await rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        break;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.sweeps);
  }

  get keepsMtime(): boolean {
    return this.options.preserveMtime !== false;
  }

  private pathOf(path: string): string {
    // A key's segments are sound (no `..`, no empty ones): joining it whole is joining them.
    return join(this.root, path);
  }

  /**
   * Makes a folder once per tree. A folder that was there already may hold what a dead
   * process was writing: those go too, since a destination looked up by name (`statFiles`)
   * is never walked, and the file a dead run was writing is written here again. The sweep
   * runs beside the writes (it only removes dead processes' files) and `close` awaits it.
   */
  private ensureFolder(dir: string): Promise<unknown> {
    let made = this.folders.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true }).then((created) => {
        if (!created && this.options.removeStaleTemporaries) this.sweeps.push(sweep(dir));
      });
      made.catch(() => this.folders.delete(dir));
      this.folders.set(dir, made);
    }
    return made;
  }

  /** A new temporary name in the target's folder, which is made if missing. */
  private async temporaryBeside(target: string): Promise<string> {
    await this.ensureFolder(dirname(target));
    return join(dirname(target), `${TEMPORARY_PREFIX}${process.pid}-${randomUUID()}`);
  }
}

/** Removes the temporary files in a folder whose writers are gone. */
async function sweep(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(TEMPORARY_PREFIX)) removeIfStale(join(dir, name));
  }
}

/** Removes a temporary file if the process that was writing it is gone. */
function removeIfStale(file: string): void {
  const pid = Number(basename(file).slice(TEMPORARY_PREFIX.length).split('-')[0]);
  if (Number.isInteger(pid) && !isAlive(pid)) rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writeError(error: unknown, path: string): SyncFileError {
  if (error instanceof SyncFileError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') {
    return new SyncFileError(
      'PATH_CONFLICT',
      `cannot write ${path}: a directory and a file share a name at the destination`,
    );
  }
  return fileErrorOf(error, path, 'write');
}

function notAFile(path: string): SyncFileError {
  return new SyncFileError('NOT_A_FILE', `${path} is no longer a regular file`);
}

function changed(path: string): SyncFileError {
  return new SyncFileError(
    'SOURCE_CHANGED',
    `${path} changed while it was being read; it will move on the next run`,
  );
}
