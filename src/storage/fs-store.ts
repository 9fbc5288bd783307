/**
 * The local directory backend: an object is the file `<root>/<key>`. Written by hand because
 * no library gives S3 semantics over a directory: objects appear only when complete (temporary
 * file, fsync, rename), deletes prune empty folders, listings follow ListObjectsV2
 * (`list-fs-objects.ts`), and symlinks never lead out of the root.
 */
import { constants } from 'node:fs';
import {
  copyFile,
  lstat,
  mkdir,
  open,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { runPool } from '../concurrency/run-pool.js';
import { LakeError } from '../errors/lake-error.js';
import {
  fsEtag,
  nextWriteStamp,
  objectInfo,
  syncDirectory,
  syncForMove,
  writeAll,
} from './fs-durable-file.js';
import { isInside, isMissing, type FsTree } from './fs-tree.js';
import { listFsObjects } from './list-fs-objects.js';
import { mapFsError } from './map-fs-error.js';
import { bodyChunks, discardBody, inMemoryBytes } from './object-body.js';
import { RESERVED_SEGMENT } from './object-key.js';
import type {
  ByteRange,
  ListOptions,
  ListPage,
  LocalFile,
  ObjectBody,
  ObjectInfo,
  ObjectStore,
  PutOptions,
  PutResult,
} from './object-store.js';

export interface FsObjectStoreOptions {
  /**
   * Where objects are written before they are renamed into place. It must be on the same
   * filesystem as the root (rename is atomic only there). Default `<root>/.lakebox/tmp`.
   */
  tmpDir?: string;
}

const MAX_KEYS = 1000;
/** fsyncs in flight at once; more than the libuv pool's threads, so none sits idle. */
const SYNC_CONCURRENCY = 64;
/** Renames (and the folder checks before them) in flight at once in `putFiles`. */
const MOVE_CONCURRENCY = 16;

/**
 * Objects as files under a root directory.
 *
 * @example
 * const store = new FsObjectStore('/data/lake');
 * await store.put('raw/hello.txt', 'hello');
 * store.localPath('raw/hello.txt'); // '/data/lake/raw/hello.txt'
 */
export class FsObjectStore implements ObjectStore {
  readonly kind = 'fs' as const;
  readonly location: string;
  readonly root: string;
  private readonly tmpDir: string;
  private treeReady?: Promise<FsTree>;
  private tmpReady?: Promise<void>;

  constructor(root: string, options: FsObjectStoreOptions = {}) {
    this.root = resolve(root);
    this.tmpDir = resolve(options.tmpDir ?? join(this.root, RESERVED_SEGMENT, 'tmp'));
    this.location = pathToFileURL(this.root).href;
  }

  async put(key: string, body: ObjectBody, _options?: PutOptions): Promise<PutResult> {
    let bodyError: unknown;
    try {
      const tmp = await this.newTmpPath();
      const result = await this.writeTemporary(tmp, async (handle) => {
        const bytes = inMemoryBytes(body);
        if (bytes) return writeAll(handle, bytes);
        const stream = body as Readable | AsyncIterable<Uint8Array>;
        for await (const chunk of bodyChunks(stream, (error) => (bodyError = error))) {
          await writeAll(handle, chunk);
        }
      });
      await this.moveIntoPlace(tmp, key);
      return result;
    } catch (error) {
      discardBody(body);
      // The caller's stream failed: its own error says more than any storage error could.
      if (error === bodyError) throw error;
      throw mapFsError(error, { operation: 'write', key, root: this.root });
    }
  }

  async putFile(key: string, localPath: string): Promise<PutResult> {
    const source = resolve(localPath);
    try {
      const sourceStats = await lstat(source).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
        throw new LakeError(
          'FILE_NOT_FOUND',
          `Cannot store ${JSON.stringify(key)}: the local file ${source} does not exist.`,
        );
      });
      if (sourceStats.isFile()) {
        const moved = await this.tryMove(source, key);
        if (moved) return moved;
      }
      // Another filesystem (or a symlink, or a file we may not modify): copy, then consume.
      const tmp = await this.newTmpPath();
      await copyFile(source, tmp, constants.COPYFILE_FICLONE);
      const result = await this.writeTemporary(tmp, async () => {});
      await this.moveIntoPlace(tmp, key);
      await rm(source, { force: true });
      return result;
    } catch (error) {
      throw mapFsError(error, { operation: 'store a file as', key, root: this.root });
    }
  }

  /**
   * Stores many files in three waves instead of one file after another: every file is synced
   * at once (concurrent fsyncs share the filesystem's journal commits, so two hundred small
   * files cost a few commits, not two hundred), then renamed, then every changed folder is
   * synced at once. Files that cannot be moved are copied one by one as `putFile` does.
   */
  async putFiles(files: readonly LocalFile[]): Promise<PutResult[]> {
    const results: (PutResult | undefined)[] = new Array(files.length);
    const stored = new Set<number>();
    const mapped = (key: string) => (error: unknown) => {
      throw mapFsError(error, { operation: 'store a file as', key, root: this.root });
    };
    const sources = files.map((file) => resolve(file.localPath));
    await runPool(files, SYNC_CONCURRENCY, undefined, async (file, i) => {
      results[i] = await syncForMove(sources[i]!).catch(mapped(file.key));
    });
    const changed = new Set<string>();
    await runPool(files, MOVE_CONCURRENCY, undefined, async (file, i) => {
      if (!results[i]) return;
      const target = this.localPath(file.key);
      const moveIn = async () => {
        for (const folder of await this.ensureFolder(dirname(target), file.key))
          changed.add(folder);
        if (await this.renameInto(sources[i]!, target, file.key)) stored.add(i);
      };
      await moveIn().catch(mapped(file.key));
    });
    await runPool([...changed], SYNC_CONCURRENCY, undefined, syncDirectory);
    for (const [i, file] of files.entries()) {
      if (!stored.has(i)) results[i] = await this.putFile(file.key, file.localPath);
    }
    return results as PutResult[];
  }

  /** A new folder under the store's temporary folder, on the root's filesystem. */
  async stagingFolder(): Promise<string> {
    try {
      const folder = (await this.newTmpPath()).replace(/\.tmp$/, '');
      await mkdir(folder);
      return folder;
    } catch (error) {
      throw mapFsError(error, {
        operation: 'create a staging folder for',
        key: '',
        root: this.root,
      });
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const path = await this.existingPath(key);
      const handle = path ? await open(path, 'r').catch(rethrowUnlessMissing) : undefined;
      if (!handle) throw this.notFound(key);
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) throw this.notFound(key);
        if (range && range.start >= stats.size && stats.size > 0)
          throw rangeNotSatisfiable(key, range, stats.size);
        return handle.createReadStream({ start: range?.start, end: range?.end });
      } catch (error) {
        await handle.close();
        throw error;
      }
    } catch (error) {
      throw mapFsError(error, { operation: 'read', key, root: this.root });
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const path = await this.existingPath(key);
      const stats = path
        ? await stat(path, { bigint: true }).catch(rethrowUnlessMissing)
        : undefined;
      return stats?.isFile() ? objectInfo(key, stats) : undefined;
    } catch (error) {
      throw mapFsError(error, { operation: 'inspect', key, root: this.root });
    }
  }

  async list(options: ListOptions): Promise<ListPage> {
    try {
      const tree = await this.tree();
      const maxKeys = Math.min(options.maxKeys ?? MAX_KEYS, MAX_KEYS);
      const page: ListPage = { objects: [], prefixes: [] };
      let last: string | undefined;
      const entries = listFsObjects(tree, {
        prefix: options.prefix ?? '',
        delimiter: options.delimiter,
        after: options.continuationToken,
      });
      for await (const entry of entries) {
        if (page.objects.length + page.prefixes.length === maxKeys) {
          // One entry beyond the page exists: continue after the last one returned.
          page.continuationToken = last;
          break;
        }
        if (entry.kind === 'object') {
          page.objects.push(objectInfo(entry.key, entry.stats));
          last = entry.key;
        } else {
          page.prefixes.push(entry.prefix);
          last = entry.prefix;
        }
      }
      return page;
    } catch (error) {
      throw mapFsError(error, { operation: 'list', key: options.prefix, root: this.root });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      const tree = await this.tree();
      const parent = dirname(this.localPath(key));
      const realParent = await realpath(parent).catch(rethrowUnlessMissing);
      if (!realParent || !isInside(tree.realRoot, realParent)) return;
      try {
        await unlink(join(realParent, basename(key)));
      } catch (error) {
        if (isMissing(error) || (await isDirectory(join(realParent, basename(key))))) return;
        throw error;
      }
      await this.pruneEmptyFolders(parent);
    } catch (error) {
      throw mapFsError(error, { operation: 'delete', key, root: this.root });
    }
  }

  async copy(sourceKey: string, destinationKey: string): Promise<PutResult> {
    try {
      const source = await this.existingPath(sourceKey);
      if (!source) throw this.notFound(sourceKey);
      const tmp = await this.newTmpPath();
      await copyFile(source, tmp, constants.COPYFILE_FICLONE).catch((error: unknown) => {
        throw isMissing(error) ? this.notFound(sourceKey) : error;
      });
      const result = await this.writeTemporary(tmp, async () => {});
      await this.moveIntoPlace(tmp, destinationKey);
      return result;
    } catch (error) {
      throw mapFsError(error, { operation: 'copy to', key: destinationKey, root: this.root });
    }
  }

  localPath(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  async close(): Promise<void> {}

  /** Root created and resolved once; the store's own directories are never listed. */
  private tree(): Promise<FsTree> {
    this.treeReady ??= (async () => {
      await mkdir(this.root, { recursive: true });
      const realRoot = await realpath(this.root);
      const own = [join(this.root, RESERVED_SEGMENT), this.tmpDir];
      const resolved = await Promise.all(own.map((dir) => realpath(dir).catch(() => dir)));
      return { root: this.root, realRoot, excluded: new Set([...own, ...resolved]) };
    })();
    this.treeReady.catch(() => (this.treeReady = undefined));
    return this.treeReady;
  }

  private async newTmpPath(): Promise<string> {
    await this.tree();
    this.tmpReady ??= mkdir(this.tmpDir, { recursive: true }).then(() => undefined);
    this.tmpReady.catch(() => (this.tmpReady = undefined));
    await this.tmpReady;
    return join(this.tmpDir, `${randomUUID()}.tmp`);
  }

  /**
   * Fills (or just opens) a temporary file, stamps it, makes it durable and describes it; the
   * temporary file is removed if anything fails.
   */
  private async writeTemporary(
    tmp: string,
    fill: (handle: FileHandle) => Promise<void>,
  ): Promise<PutResult> {
    try {
      const handle = await open(tmp, 'a');
      try {
        await fill(handle);
        // The kernel's coarse clock can give two quick writes the same mtime; a reused inode
        // would then repeat an etag. A per-process increasing stamp keeps etags distinct.
        const stamp = nextWriteStamp();
        await handle.utimes(stamp, stamp);
        await handle.sync();
        const stats = await handle.stat({ bigint: true });
        return { etag: fsEtag(stats), size: Number(stats.size) };
      } finally {
        await handle.close();
      }
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /** Renames a complete file to the key's path: the one moment the object becomes visible. */
  private async moveIntoPlace(file: string, key: string): Promise<void> {
    const target = this.localPath(key);
    const parent = dirname(target);
    let changed: Set<string>;
    try {
      for (let attempt = 1; ; attempt++) {
        changed = await this.ensureFolder(parent, key);
        try {
          await rename(file, target);
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          // A concurrent delete may prune the new folder before the rename lands.
          if (code === 'ENOENT' && attempt < 3) continue;
          if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST')
            throw folderConflict(key, `"${key}/" already holds objects`);
          throw error;
        }
      }
    } catch (error) {
      await rm(file, { force: true }).catch(() => {});
      throw error;
    }
    await Promise.all([...changed].map(syncDirectory));
  }

  /** Renames a caller's file into place when it is on this filesystem; undefined otherwise. */
  private async tryMove(source: string, key: string): Promise<PutResult | undefined> {
    const result = await syncForMove(source);
    if (!result) return undefined;
    const target = this.localPath(key);
    const changed = await this.ensureFolder(dirname(target), key);
    if (!(await this.renameInto(source, target, key))) return undefined;
    await Promise.all([...changed].map(syncDirectory));
    return result;
  }

  /** Renames a synced file to its key's path; false when the file is on another filesystem. */
  private async renameInto(source: string, target: string, key: string): Promise<boolean> {
    try {
      await rename(source, target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
      if ((error as NodeJS.ErrnoException).code === 'EISDIR')
        throw folderConflict(key, `"${key}/" already holds objects`);
      throw error;
    }
  }

  /**
   * mkdir -p, but never through a symlink that leads out of the root. Returns the folders
   * whose entries a rename into `folder` changes: `folder` itself, and the parent of each
   * folder created here, all of which need an fsync for the new name to survive a crash.
   */
  private async ensureFolder(folder: string, key: string): Promise<Set<string>> {
    const changed = new Set([folder]);
    const { realRoot } = await this.tree();
    let existing = folder;
    let resolved: string | undefined;
    while (!resolved) {
      resolved = await realpath(existing).catch(rethrowUnlessMissing);
      if (!resolved) existing = dirname(existing);
    }
    if (!isInside(realRoot, resolved)) {
      throw new LakeError(
        'STORAGE_ERROR',
        `Cannot write ${JSON.stringify(key)}: its folder is a symlink that leads out of the lake directory ${this.root}. ` +
          `Replace the symlink with a directory, or use another key.`,
      );
    }
    if (existing === folder) {
      if (!(await isDirectory(resolved)))
        throw folderConflict(key, 'a part of its path is already an object');
      return changed;
    }
    const first = await mkdir(folder, { recursive: true }).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      throw code === 'EEXIST' || code === 'ENOTDIR'
        ? folderConflict(key, 'a part of its path is already an object')
        : error;
    });
    if (first) {
      for (let created = folder; ; created = dirname(created)) {
        changed.add(dirname(created));
        if (created === first || created === this.root) break;
      }
    }
    return changed;
  }

  /** Removes folders left empty by a delete, up to (not including) the root. */
  private async pruneEmptyFolders(folder: string): Promise<void> {
    for (let dir = folder; dir !== this.root && isInside(this.root, dir); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone, or in use): the folders above are not empty either
      }
    }
  }

  /** The object's resolved path, or undefined when missing or when a symlink leads out of the root. */
  private async existingPath(key: string): Promise<string | undefined> {
    const { realRoot } = await this.tree();
    const resolved = await realpath(this.localPath(key)).catch(rethrowUnlessMissing);
    return resolved && isInside(realRoot, resolved) ? resolved : undefined;
  }

  private notFound(key: string): LakeError {
    return new LakeError(
      'OBJECT_NOT_FOUND',
      `Object ${JSON.stringify(key)} does not exist in ${this.location}. Check the key, or list its prefix.`,
      {
        details: { key },
      },
    );
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isDirectory() ?? false;
}

function rethrowUnlessMissing(error: unknown): undefined {
  if (isMissing(error)) return undefined;
  throw error;
}

function folderConflict(key: string, why: string): LakeError {
  return new LakeError(
    'STORAGE_ERROR',
    `Cannot write ${JSON.stringify(key)}: ${why}. A local directory cannot hold both an object "a" and objects ` +
      `under "a/" (S3 can); choose keys that do not nest under other objects.`,
    { details: { key } },
  );
}

function rangeNotSatisfiable(key: string, range: ByteRange, size: number): LakeError {
  return new LakeError(
    'INVALID_ARGUMENT',
    `Range starting at byte ${range.start} is beyond the end of ${JSON.stringify(key)} (${size} bytes). Read from a smaller offset.`,
    { details: { key, start: range.start, size } },
  );
}
