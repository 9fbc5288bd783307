/** What the sync executor sees of a source or a destination, whatever backs it. */

/** A file as listed: its path relative to the location, `/`-separated. */
export interface TreeEntry {
  path: string;
  size: number;
  /** Whole milliseconds. */
  mtimeMs: number;
  /** Changes whenever the content may have: the etag of an object, inode-size-mtime of a file. */
  version: string;
}

/** What a listing yields: a file, something passed over (with why), or a part it could not read. */
export type ListedItem =
  | { kind: 'file'; entry: TreeEntry }
  | { kind: 'skipped' | 'failed'; path: string; code: string; message: string };

export interface WrittenFile {
  version: string;
  size: number;
}

/** A tree of files: a local directory, an S3 prefix or a lake prefix. */
export interface SyncTree {
  /** For messages; never holds credentials. */
  readonly location: string;
  /** Whether `write` gives files the modification time it is passed (local directories). */
  readonly keepsMtime: boolean;
  /**
   * Set for trees on S3: the part size of its uploads, from which the ETag of a written
   * object can be foreseen (see S3EtagHasher), so a transfer is verified without a read-back.
   */
  readonly etagPartSize?: number;
  /** The lake object key of a path, for trees inside the lake (their writes emit events). */
  readonly objectKey?: (path: string) => string;
  /**
   * Every file, in no particular order, read lazily in batches (a few hundred entries, or a
   * listing page): one await per batch rather than per file keeps listing 10,000 files cheap.
   */
  list(): AsyncIterable<readonly ListedItem[]>;
  /**
   * The content of a listed file as it streams in. Fails with a SyncFileError when the file is
   * gone (`SOURCE_VANISHED`), is not a file any more, cannot be read (`READ_ERROR`) or changed
   * size while being read (`SOURCE_CHANGED`; not checked when `checkUnchanged` is false).
   */
  read(entry: TreeEntry, checkUnchanged?: boolean): AsyncIterable<Buffer>;
  /** Writes a whole file atomically: nothing is visible at `path` until all of it is. */
  write(path: string, body: AsyncIterable<Buffer>, source: TreeEntry): Promise<WrittenFile>;
  delete(path: string): Promise<void>;
  /**
   * The files among `paths` (those that exist and are files), looked up by name: cheaper
   * than `list` when only known paths matter.
   */
  statFiles?(paths: Iterable<string>): Promise<Map<string, TreeEntry>>;
  /** Where a listed file lies on this machine, for trees that are local directories. */
  localFile?(path: string): string;
  /**
   * Copies a file that lies on this machine in, without streaming it through JavaScript;
   * undefined when it must be streamed after all (it is not a plain regular file). Same
   * checks and errors as `read` and `write`.
   */
  copyIn?(sourceFile: string, source: TreeEntry): Promise<WrittenFile | undefined>;
  close(): Promise<void>;
}
