/**
 * S3 ListObjectsV2 semantics over a directory tree, written by hand because no library
 * emulates them: entries (keys and rolled-up common prefixes) in UTF-8 byte order, a prefix
 * that may end in the middle of a name, any delimiter, and resumption after an entry.
 *
 * Memory stays bounded for huge trees: only the directories that the prefix can match are
 * read, one directory listing per level of depth is held at a time, and a subtree that rolls
 * up into one common prefix is searched only until its first object.
 */
import type { BigIntStats, Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside, isMissing, type FsTree } from './fs-tree.js';
import { isValidKey, MAX_KEY_BYTES } from './object-key.js';

export interface FsListOptions {
  prefix: string;
  delimiter?: string;
  /** Resume after this entry (a key or common prefix), as S3's continuation does. */
  after?: string;
}

export type FsListEntry =
  | { kind: 'object'; key: string; path: string; stats: BigIntStats }
  | { kind: 'prefix'; prefix: string };

/**
 * A directory being walked: its path, the key prefix it stands for, and where it really is.
 * `earlier` holds the deepest real directory reached before each symlink jump on the way
 * here; together with `real` they are every real directory on the path, which is what a
 * symlink must not lead back to (or the walk would never end).
 */
interface Folder {
  path: string;
  key: string;
  real: string;
  earlier: readonly string[];
}

/** The entries of the listing, in order, read lazily; stop iterating to stop reading. */
export async function* listFsObjects(
  tree: FsTree,
  options: FsListOptions,
): AsyncGenerator<FsListEntry> {
  const { prefix } = options;
  const delimiter = options.delimiter || undefined;
  const after = options.after === undefined ? undefined : Buffer.from(options.after, 'utf8');
  let lastPrefix: string | undefined;

  // S3 rolls a key up to the first delimiter that starts after the prefix.
  const rollupOf = (key: string): string | undefined => {
    if (!delimiter) return undefined;
    const at = key.indexOf(delimiter, prefix.length);
    return at < 0 ? undefined : key.slice(0, at + delimiter.length);
  };
  const isAfterToken = (entry: string): boolean =>
    after === undefined || Buffer.compare(Buffer.from(entry, 'utf8'), after) > 0;
  // Every key under `folder` sorts after `folder` itself; the subtree lies wholly before the
  // token when the folder sorts before it and is not a prefix of it.
  const mayHoldKeysAfterToken = (folder: string): boolean =>
    options.after === undefined || options.after.startsWith(folder) || isAfterToken(folder);

  async function* visit(folder: Folder, namePrefix: string): AsyncGenerator<FsListEntry> {
    for (const entry of await sortedEntries(tree, folder, namePrefix)) {
      if (entry.type === 'dir') {
        const child = childFolder(folder, entry.name, entry.target);
        if (!mayHoldKeysAfterToken(child.key)) continue;
        const rollup = rollupOf(child.key);
        if (rollup === undefined) {
          yield* visit(child, '');
        } else if (
          rollup !== lastPrefix &&
          isAfterToken(rollup) &&
          (await holdsObject(tree, child))
        ) {
          lastPrefix = rollup;
          yield { kind: 'prefix', prefix: rollup };
        }
        continue;
      }
      const key = folder.key + entry.name;
      const rollup = rollupOf(key);
      if (rollup !== undefined) {
        if (rollup === lastPrefix || !isAfterToken(rollup)) continue;
        lastPrefix = rollup;
        yield { kind: 'prefix', prefix: rollup };
      } else if (isAfterToken(key)) {
        const path = join(folder.path, entry.name);
        const stats = await stat(path, { bigint: true }).catch(rethrowUnlessMissing);
        if (stats?.isFile()) yield { kind: 'object', key, path, stats };
      }
    }
  }

  const cut = prefix.lastIndexOf('/') + 1;
  const startKey = prefix.slice(0, cut);
  const startPath = join(tree.root, ...startKey.split('/').filter(Boolean));
  const startReal = await realpath(startPath).catch(rethrowUnlessMissing);
  if (!startReal || !isInside(tree.realRoot, startReal)) return;
  yield* visit({ path: startPath, key: startKey, real: startReal, earlier: [] }, prefix.slice(cut));
}

interface TreeEntry {
  name: string;
  type: 'file' | 'dir';
  /** The resolved target, for a symlink. */
  target?: string;
  sortKey: Buffer;
}

/** One directory's usable entries, sorted so that visiting them yields keys in byte order. */
async function sortedEntries(
  tree: FsTree,
  folder: Folder,
  namePrefix: string,
): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  for (const dirent of await readDirectory(folder.path)) {
    if (!dirent.name.startsWith(namePrefix)) continue;
    const kind = await entryKind(tree, folder, dirent);
    if (!kind) continue;
    // A folder's keys all start with `name/`, so it sorts as that string among its siblings.
    const sortKey = Buffer.from(kind.type === 'dir' ? `${dirent.name}/` : dirent.name, 'utf8');
    entries.push({ name: dirent.name, ...kind, sortKey });
  }
  return entries.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
}

/** Whether a folder holds at least one object: S3 reports a common prefix only then. */
async function holdsObject(tree: FsTree, folder: Folder): Promise<boolean> {
  for (const dirent of await readDirectory(folder.path)) {
    const kind = await entryKind(tree, folder, dirent);
    if (kind?.type === 'file') return true;
    if (
      kind?.type === 'dir' &&
      (await holdsObject(tree, childFolder(folder, dirent.name, kind.target)))
    )
      return true;
  }
  return false;
}

function childFolder(parent: Folder, name: string, target: string | undefined): Folder {
  return {
    path: join(parent.path, name),
    key: `${parent.key}${name}/`,
    real: target ?? join(parent.real, name),
    earlier: target ? [...parent.earlier, parent.real] : parent.earlier,
  };
}

/**
 * What an entry is for the listing: a file (an object), a directory (a folder of keys), or
 * nothing: excluded directories, names that are not valid keys, other file types, symlinks
 * that resolve outside the root, and symlinks back to a directory on the current path.
 */
async function entryKind(
  tree: FsTree,
  folder: Folder,
  dirent: Dirent,
): Promise<Pick<TreeEntry, 'type' | 'target'> | undefined> {
  const path = join(folder.path, dirent.name);
  if (tree.excluded.has(path)) return undefined;
  const key = folder.key + dirent.name;
  if (dirent.isFile()) return isValidKey(key) ? { type: 'file' } : undefined;
  if (dirent.isDirectory()) return isFolderKey(key) ? { type: 'dir' } : undefined;
  if (!dirent.isSymbolicLink()) return undefined;

  const target = await realpath(path).catch(() => undefined);
  if (!target || tree.excluded.has(target) || !isInside(tree.realRoot, target)) return undefined;
  const stats = await stat(target).catch(() => undefined);
  if (stats?.isFile()) return isValidKey(key) ? { type: 'file' } : undefined;
  if (!stats?.isDirectory() || !isFolderKey(key)) return undefined;
  const cycle = [folder.real, ...folder.earlier].some((dir) => isInside(target, dir));
  return cycle ? undefined : { type: 'dir', target };
}

/** A folder can hold objects only if its key, plus `/` and one more character, fits a key. */
function isFolderKey(key: string): boolean {
  return Buffer.byteLength(key) + 2 <= MAX_KEY_BYTES && isValidKey(key);
}

async function readDirectory(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

function rethrowUnlessMissing(error: unknown): undefined {
  if (isMissing(error)) return undefined;
  throw error;
}
