/**
 * Lists a directory tree for sync, written by hand because no library reports what it passes
 * over: symlinks are followed to files and directories, except those leading back to a
 * directory on the current path (a loop, reported and never followed), dangling ones, and
 * anything that is not a regular file or a directory (FIFOs, sockets, devices: reported,
 * never opened). Directories are read with synchronous calls, which for metadata that the
 * kernel has cached cost a few microseconds instead of a thread-pool round trip each: listing
 * 10,000 files takes tens of milliseconds. Entries come in batches of a few hundred, across
 * directories, with a turn of the event loop between batches, so progress and cancellation
 * are never held up for long while a tree of many small folders costs no turn per folder.
 */
import type { BigIntStats, Dirent } from 'node:fs';
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { join } from 'node:path';
import { isValidKey, TEMPORARY_PREFIX } from '../../storage/object-key.js';
import type { ListedItem, TreeEntry } from './sync-tree.js';

interface Folder {
  abs: string;
  /** '' for the root, else `a/b/`. */
  rel: string;
  /** Real paths of this folder and every folder above it: where a symlink must not lead. */
  ancestors: readonly string[];
}

const ENTRIES_PER_TURN = 500;

/** The entries of `root`, leaving out the absolute paths in `exclude`. */
export async function* walkLocalDir(
  root: string,
  exclude: ReadonlySet<string> = new Set(),
): AsyncGenerator<ListedItem[]> {
  const rootReal = realpathSync(root);
  const pending: Folder[] = [{ abs: root, rel: '', ancestors: [rootReal] }];
  let batch: ListedItem[] = [];
  // Entries and folders met since the event loop last had a turn.
  let sinceTurn = 0;
  const due = () => ++sinceTurn >= ENTRIES_PER_TURN;
  /** Hands on what was found, then lets the event loop have a turn. */
  async function* turn(): AsyncGenerator<ListedItem[]> {
    if (batch.length > 0) yield batch;
    batch = [];
    sinceTurn = 0;
    await yieldToLoop();
  }
  while (pending.length > 0) {
    const folder = pending.pop()!;
    let dirents: Dirent[];
    try {
      dirents = readdirSync(folder.abs, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && folder.rel !== '') continue; // removed meanwhile
      yield [
        {
          kind: 'failed',
          path: folder.rel || '.',
          code: 'READ_ERROR',
          message: `cannot list the directory ${folder.abs}: ${(error as Error).message}`,
        },
      ];
      continue;
    }
    for (const dirent of dirents) {
      const result = classify(folder, dirent, exclude);
      if (!result) continue;
      if ('abs' in result) pending.push(result);
      else batch.push(result);
      if (due()) yield* turn();
    }
    if (due()) yield* turn();
  }
  if (batch.length > 0) yield batch;
}

function classify(
  folder: Folder,
  dirent: Dirent,
  exclude: ReadonlySet<string>,
): ListedItem | Folder | undefined {
  const abs = join(folder.abs, dirent.name);
  if (exclude.has(abs)) return undefined;
  const path = folder.rel + dirent.name;
  if (dirent.name.startsWith(TEMPORARY_PREFIX)) {
    return {
      kind: 'skipped',
      path,
      code: 'TEMPORARY_FILE',
      message: `${path} is a file being written by a sync (or left by one that died)`,
    };
  }
  if (!isValidKey(path)) {
    return {
      kind: 'skipped',
      path,
      code: 'INVALID_NAME',
      message: `${JSON.stringify(path)} cannot be an object key (control characters, a backslash or too long)`,
    };
  }
  if (dirent.isDirectory()) {
    return {
      abs,
      rel: `${path}/`,
      ancestors: [...folder.ancestors, join(folder.ancestors.at(-1)!, dirent.name)],
    };
  }
  if (dirent.isFile())
    return fileItem(path, lstatSync(abs, { bigint: true, throwIfNoEntry: false }));
  if (!dirent.isSymbolicLink()) return special(path, dirent);

  let target: BigIntStats;
  try {
    target = statSync(abs, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ELOOP'
      ? { kind: 'skipped', path, code: 'SYMLINK_LOOP', message: `${path} is a symlink loop` }
      : {
          kind: 'skipped',
          path,
          code: 'BROKEN_SYMLINK',
          message: `${path} is a symlink to nothing (${code})`,
        };
  }
  if (target.isFile()) return fileItem(path, target);
  if (!target.isDirectory()) return special(path, target);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return { kind: 'skipped', path, code: 'BROKEN_SYMLINK', message: `${path} cannot be resolved` };
  }
  if (folder.ancestors.includes(real)) {
    return {
      kind: 'skipped',
      path,
      code: 'SYMLINK_LOOP',
      message: `${path} is a symlink to ${real}, a directory it is inside of: following it would never end`,
    };
  }
  return { abs, rel: `${path}/`, ancestors: [...folder.ancestors, real] };
}

function fileItem(path: string, stats: BigIntStats | undefined): ListedItem | undefined {
  if (!stats) return undefined; // removed between readdir and stat: it was never there
  return { kind: 'file', entry: localEntry(path, stats) };
}

/** A file's entry; its version is the same inode-size-mtime string the fs store uses as etag. */
export function localEntry(path: string, stats: BigIntStats): TreeEntry {
  return {
    path,
    size: Number(stats.size),
    mtimeMs: Number(stats.mtimeMs),
    version: `${stats.ino.toString(36)}-${stats.size.toString(36)}-${stats.mtimeNs.toString(36)}`,
  };
}

function special(
  path: string,
  kind: Pick<Dirent, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>,
): ListedItem {
  const what = kind.isFIFO()
    ? 'a FIFO'
    : kind.isSocket()
      ? 'a socket'
      : kind.isCharacterDevice() || kind.isBlockDevice()
        ? 'a device'
        : 'not a regular file';
  return {
    kind: 'skipped',
    path,
    code: 'SPECIAL_FILE',
    message: `${path} is ${what}; only regular files are copied`,
  };
}
