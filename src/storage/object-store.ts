import type { Readable } from 'node:stream';

/** What a store knows about one object. `etag` changes whenever the content changes. */
export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface PutResult {
  etag: string;
  size: number;
}

export type ObjectBody = Buffer | Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

export interface PutOptions {
  contentType?: string;
}

/** A local file and the key it is stored under. */
export interface LocalFile {
  key: string;
  localPath: string;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`; `end` open means to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ListOptions {
  prefix?: string;
  /** With a delimiter, keys sharing the part up to it are rolled up into `prefixes`. */
  delimiter?: string;
  maxKeys?: number;
  continuationToken?: string;
}

export interface ListPage {
  objects: ObjectInfo[];
  prefixes: string[];
  continuationToken?: string;
}

/**
 * The few operations a storage backend implements. Backends assume valid keys; the
 * guarantees every backend shares (key validation, events) live once in `GuardedStore`.
 *
 * Errors: a missing object is `OBJECT_NOT_FOUND`; an unreachable backend is
 * `STORAGE_UNREACHABLE` (transient); refused credentials are `STORAGE_ACCESS_DENIED`.
 */
export interface ObjectStore {
  /** Human-readable location, e.g. `file:///lake` or `s3://bucket/prefix` (never credentials). */
  readonly location: string;
  readonly kind: 'fs' | 's3';
  /** Writes an object; it becomes visible only when complete. Streams are never buffered whole. */
  put(key: string, body: ObjectBody, options?: PutOptions): Promise<PutResult>;
  /** Moves (fs) or uploads (s3) a local file into the store; the local file is consumed. */
  putFile(key: string, localPath: string): Promise<PutResult>;
  /**
   * Stores many local files as `putFile` does each, overlapping the slow parts (fsyncs on a
   * directory, uploads on S3); results come in the order of `files`.
   */
  putFiles(files: readonly LocalFile[]): Promise<PutResult[]>;
  /**
   * The same store without its create and delete events, where a store has them: for table
   * writers, whose data files are announced by the catalog commit that adds them instead.
   */
  withoutEvents?(): ObjectStore;
  get(key: string, range?: ByteRange): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | undefined>;
  list(options: ListOptions): Promise<ListPage>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  copy(sourceKey: string, destinationKey: string): Promise<PutResult>;
  /** Where the object can be read on this machine without copying, if anywhere (fs only). */
  localPath(key: string): string | undefined;
  /**
   * A new empty local folder on the store's own filesystem, for a writer that creates files
   * itself (DuckDB's COPY): `putFiles` of the files written there renames each into place,
   * so a file is under its final name only once complete (a killed writer leaves its partial
   * files here, never among a table's), at the cost of a rename, not a copy. The caller
   * removes the folder when done. Undefined when the store is not a local directory: the
   * writer stages anywhere, and an upload is atomic already.
   */
  stagingFolder(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Every object under a prefix, page by page, without holding the whole listing. */
export async function* listAll(
  store: Pick<ObjectStore, 'list'>,
  prefix: string,
): AsyncGenerator<ObjectInfo> {
  let continuationToken: string | undefined;
  do {
    const page = await store.list({ prefix, continuationToken });
    yield* page.objects;
    continuationToken = page.continuationToken;
  } while (continuationToken);
}
