import { sep } from 'node:path';

/** The directory tree of an fs store, and the boundaries that every fs operation keeps. */
export interface FsTree {
  root: string;
  /** `realpath(root)`: symlinks may point anywhere inside it, never outside. */
  realRoot: string;
  /** Absolute paths (as seen and as resolved) of directories that never hold objects. */
  excluded: ReadonlySet<string>;
}

/** Whether `path` (resolved) is `root` or lies beneath it. */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** ENOENT, or ENOTDIR when a path runs through a file: either way, nothing is there. */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
