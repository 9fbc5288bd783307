import type { Readable } from 'node:stream';
import { LakeError } from '../errors/lake-error.js';
import { validateKey, validatePrefix } from './object-key.js';
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

/** What changed in the store; the events module appends these to the lake's event log. */
export interface StorageEvent {
  type: 'object.created' | 'object.removed';
  key: string;
  size?: number;
  etag?: string;
}

export interface GuardedStoreOptions {
  /**
   * Called after each successful create (put, putFile, copy) and each delete of an object
   * that existed, and awaited: an error it throws reaches the caller, though the change to
   * the store has already happened.
   */
  onEvent?: (event: StorageEvent) => void | Promise<void>;
  /**
   * Called instead of `onEvent` by the store `withoutEvents` returns, and awaited the same
   * way: the change is not announced, but the lake still records what its storage holds.
   */
  onQuietChange?: (event: StorageEvent) => void | Promise<void>;
  /**
   * When given, objects may only be written or deleted under these top-level prefixes (the
   * lake's zones), so no key can reach a file that sits beside them, such as the config.
   */
  writableRoots?: readonly string[];
}

/**
 * Wraps any backend with the guarantees every backend shares, so that each backend stays
 * small: keys, prefixes and ranges are validated before the backend is called, and every
 * create and delete emits a `StorageEvent`.
 *
 * @example
 * const store = new GuardedStore(new FsObjectStore('/data/lake'), {
 *   onEvent: (event) => events.append({ type: event.type, subject: event.key, payload: { ...event } }),
 * });
 * await store.put('raw/a.csv', 'x,y\n1,2\n'); // emits object.created
 * await store.put('../a.csv', ''); // throws INVALID_KEY; the backend is never called
 */
export class GuardedStore implements ObjectStore {
  private readonly onEvent?: (event: StorageEvent) => void | Promise<void>;
  private readonly onQuietChange?: (event: StorageEvent) => void | Promise<void>;
  private readonly writableRoots?: readonly string[];

  constructor(
    readonly backend: ObjectStore,
    options: GuardedStoreOptions = {},
  ) {
    this.onEvent = options.onEvent;
    this.onQuietChange = options.onQuietChange;
    this.writableRoots = options.writableRoots;
  }

  /** Validates a key that is about to be written or deleted. */
  private validateWritable(key: string): void {
    validateKey(key);
    if (this.writableRoots && !this.writableRoots.some((root) => key.startsWith(`${root}/`))) {
      throw new LakeError(
        'INVALID_KEY',
        `Invalid key ${JSON.stringify(key.slice(0, 200))}: objects live in a zone; start the key with one of ${this.writableRoots.map((r) => `${r}/`).join(', ')}.`,
      );
    }
  }

  get location(): string {
    return this.backend.location;
  }

  /** Key checks stay; events go, quiet changes stay (see ObjectStore.withoutEvents). */
  withoutEvents(): ObjectStore {
    return new GuardedStore(this.backend, {
      writableRoots: this.writableRoots,
      onEvent: this.onQuietChange,
    });
  }

  get kind(): ObjectStore['kind'] {
    return this.backend.kind;
  }

  async put(key: string, body: ObjectBody, options?: PutOptions): Promise<PutResult> {
    this.validateWritable(key);
    const result = await this.backend.put(key, body, options);
    await this.emit({ type: 'object.created', key, size: result.size, etag: result.etag });
    return result;
  }

  async putFile(key: string, localPath: string): Promise<PutResult> {
    this.validateWritable(key);
    const result = await this.backend.putFile(key, localPath);
    await this.emit({ type: 'object.created', key, size: result.size, etag: result.etag });
    return result;
  }

  async putFiles(files: readonly LocalFile[]): Promise<PutResult[]> {
    for (const file of files) this.validateWritable(file.key);
    const results = await this.backend.putFiles(files);
    // Emitted together, so a batching listener records them in one go.
    await Promise.all(
      files.map((file, i) =>
        this.emit({
          type: 'object.created',
          key: file.key,
          size: results[i]!.size,
          etag: results[i]!.etag,
        }),
      ),
    );
    return results;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    validateKey(key);
    if (range) validateRange(range);
    return this.backend.get(key, range);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    validateKey(key);
    return this.backend.head(key);
  }

  async list(options: ListOptions): Promise<ListPage> {
    validatePrefix(options.prefix ?? '');
    if (
      options.maxKeys !== undefined &&
      !(Number.isInteger(options.maxKeys) && options.maxKeys > 0)
    ) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `maxKeys must be a positive integer, not ${String(options.maxKeys)}.`,
      );
    }
    return this.backend.list(options);
  }

  async delete(key: string): Promise<void> {
    this.validateWritable(key);
    // Backends delete blindly (S3 cannot say whether the key existed), so ask first, and
    // only when someone listens.
    const existing = this.onEvent ? await this.backend.head(key) : undefined;
    await this.backend.delete(key);
    if (existing)
      await this.emit({ type: 'object.removed', key, size: existing.size, etag: existing.etag });
  }

  async copy(sourceKey: string, destinationKey: string): Promise<PutResult> {
    validateKey(sourceKey);
    this.validateWritable(destinationKey);
    const result = await this.backend.copy(sourceKey, destinationKey);
    await this.emit({
      type: 'object.created',
      key: destinationKey,
      size: result.size,
      etag: result.etag,
    });
    return result;
  }

  localPath(key: string): string | undefined {
    validateKey(key);
    return this.backend.localPath(key);
  }

  stagingFolder(): Promise<string | undefined> {
    return this.backend.stagingFolder();
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  private async emit(event: StorageEvent): Promise<void> {
    await this.onEvent?.(event);
  }
}

function validateRange(range: ByteRange): void {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Invalid byte range ${JSON.stringify(range)}: start and end are inclusive byte offsets with 0 <= start <= end.`,
    );
  }
}
