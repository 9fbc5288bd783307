import { randomUUID } from 'node:crypto';
import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  futimesSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SyncFileError, fileErrorOf } from './sync-file-error.js';
import type { ListedItem, SyncTree, TreeEntry, WrittenFile } from './sync-tree.js';
import { localEntry, walkLocalDir } from './walk-local-dir.js';

const CHUNK = 256 * 1024;
/** Files up to this size may take the synchronous path (one chunk). */
export const SMALL_FILE = CHUNK;

export interface LocalDirTreeOptions {
  /**
   * Where files are written before being renamed into place: on the same filesystem, and not
   * listed (default `<root>/.lakebox-sync`). Leftovers of dead processes are removed on open.
   */
  tmpDir?: string;
  /** fsync each file before its rename. */
  fsync?: boolean;
  /** Give written files the source's modification time (default true). */
  preserveMtime?: boolean;
  objectKey?: (path: string) => string;
  location?: string;
}

/**
 * A local directory as a sync source or destination. Files are written to a temporary name
 * and renamed into place, so a reader (or a crash) never sees a partial file. Reads open
 * files non-blocking, so that a file replaced by a FIFO can never hang a transfer.
 */
export class LocalDirTree implements SyncTree {
  readonly location: string;
  readonly objectKey?: (path: string) => string;
  private readonly tmpDir: string;
  private readonly folders = new Map<string, Promise<unknown>>();
  private readonly syncFolders = new Set<string>();
  private tmpReady?: Promise<void>;

  constructor(
    readonly root: string,
    private readonly options: LocalDirTreeOptions = {},
  ) {
    this.tmpDir = options.tmpDir ?? join(root, '.lakebox-sync');
    this.location = options.location ?? root;
    this.objectKey = options.objectKey;
  }

  list(): AsyncIterable<ListedItem[]> {
    return walkLocalDir(this.root, new Set([this.tmpDir]));
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
      const after = await handle.stat();
      if (!after.isFile()) throw notAFile(entry.path);
      if (total !== entry.size || Math.floor(after.mtimeMs) !== Math.floor(entry.mtimeMs))
        throw changed(entry.path);
    } finally {
      await handle.close();
    }
  }

  async write(path: string, body: AsyncIterable<Buffer>, source: TreeEntry): Promise<WrittenFile> {
    const tmp = join(await this.ensureTmp(), `${process.pid}-${randomUUID()}.tmp`);
    const target = this.pathOf(path);
    try {
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
      await this.ensureFolder(dirname(target));
      await rename(tmp, target);
      return written;
    } catch (error) {
      await rm(tmp, { force: true });
      throw writeError(error, path);
    }
  }

  readSmallSync(entry: TreeEntry, checkUnchanged = true): Buffer {
    let fd: number;
    try {
      fd = openSync(this.pathOf(entry.path), constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw fileErrorOf(error, entry.path, 'read');
    }
    try {
      const buffer = Buffer.allocUnsafe(entry.size + 1);
      let total = 0;
      for (;;) {
        let bytesRead: number;
        try {
          bytesRead = readSync(fd, buffer, total, buffer.length - total, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw notAFile(entry.path);
          throw fileErrorOf(error, entry.path, 'read');
        }
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > entry.size) {
          if (checkUnchanged) throw changed(entry.path);
          break;
        }
      }
      if (checkUnchanged) {
        const after = fstatSync(fd);
        if (!after.isFile()) throw notAFile(entry.path);
        if (total !== entry.size || Math.floor(after.mtimeMs) !== Math.floor(entry.mtimeMs))
          throw changed(entry.path);
      }
      return buffer.subarray(0, total);
    } finally {
      closeSync(fd);
    }
  }

  writeSmallSync(path: string, bytes: Buffer, source: TreeEntry): WrittenFile {
    const tmp = join(this.tmpDir, `${process.pid}-${randomUUID()}.tmp`);
    const target = this.pathOf(path);
    try {
      const fd = openSync(tmp, 'wx');
      let written: WrittenFile;
      try {
        for (let offset = 0; offset < bytes.length;)
          offset += writeSync(fd, bytes, offset, bytes.length - offset);
        if (this.options.preserveMtime !== false) {
          const mtime = new Date(Math.floor(source.mtimeMs));
          futimesSync(fd, mtime, mtime);
        }
        if (this.options.fsync) fdatasyncSync(fd);
        const entry = localEntry(path, fstatSync(fd, { bigint: true }));
        written = { version: entry.version, size: entry.size };
      } finally {
        closeSync(fd);
      }
      const dir = dirname(target);
      if (!this.syncFolders.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.syncFolders.add(dir);
      }
      renameSync(tmp, target);
      return written;
    } catch (error) {
      rmSync(tmp, { force: true });
      throw writeError(error, path);
    }
  }

  /** Prepares the temporary folder; the synchronous path needs it ready. */
  async prepare(): Promise<void> {
    await this.ensureTmp();
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
      this.syncFolders.delete(dir);
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
    await rmdir(this.tmpDir).catch(() => undefined); // only when empty: other runs may be writing
  }

  get keepsMtime(): boolean {
    return this.options.preserveMtime !== false;
  }

  private pathOf(path: string): string {
    return join(this.root, ...path.split('/'));
  }

  private ensureFolder(dir: string): Promise<unknown> {
    let made = this.folders.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      made.catch(() => this.folders.delete(dir));
      this.folders.set(dir, made);
    }
    return made;
  }

  /** Creates the temporary folder and removes what dead processes left in it. */
  private ensureTmp(): Promise<string> {
    this.tmpReady ??= (async () => {
      await mkdir(this.tmpDir, { recursive: true });
      for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
        const pid = Number(name.split('-')[0]);
        if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid))
          await rm(join(this.tmpDir, name), { force: true });
      }
    })();
    return this.tmpReady.then(() => this.tmpDir);
  }
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
