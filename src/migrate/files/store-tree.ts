import { isLakeError } from '../../errors/lake-error.js';
import { listAll, type ObjectStore } from '../../storage/object-store.js';
import { SyncFileError } from './sync-file-error.js';
import type { ListedItem, SyncTree, TreeEntry, WrittenFile } from './sync-tree.js';

/** Files handed on per batch: a listing page's worth. */
const LIST_BATCH = 1000;

export interface StoreTreeOptions {
  /** Key prefix of the tree inside the store ('' or `a/b`). */
  prefix: string;
  /** Writes go here (default `store`): the lake passes its backend and emits events in batches. */
  writer?: ObjectStore;
  /** Set for trees inside the lake, whose writes are announced as `object.created`. */
  inLake?: boolean;
  /** For a store on S3: the part size of its uploads (see SyncTree.etagPartSize). */
  etagPartSize?: number;
  /** Closes what was opened for this tree (an S3 client). */
  onClose?: () => Promise<void>;
}

/** A prefix of an object store (an S3 bucket, the lake) as a sync source or destination. */
export class StoreTree implements SyncTree {
  readonly keepsMtime = false;
  readonly location: string;
  readonly objectKey?: (path: string) => string;
  readonly etagPartSize?: number;
  private readonly keyPrefix: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: StoreTreeOptions,
  ) {
    this.keyPrefix = options.prefix ? `${options.prefix}/` : '';
    this.location = `${store.location.replace(/\/$/, '')}/${options.prefix}`;
    if (options.inLake) this.objectKey = (path) => this.keyPrefix + path;
    this.etagPartSize = options.etagPartSize;
  }

  async *list(): AsyncGenerator<ListedItem[]> {
    let batch: ListedItem[] = [];
    for await (const object of listAll(this.store, this.keyPrefix)) {
      batch.push({
        kind: 'file',
        entry: {
          path: object.key.slice(this.keyPrefix.length),
          size: object.size,
          mtimeMs: object.lastModified.getTime(),
          version: object.etag,
        },
      });
      if (batch.length >= LIST_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async *read(entry: TreeEntry, checkUnchanged = true): AsyncGenerator<Buffer> {
    let total = 0;
    try {
      for await (const chunk of await this.store.get(this.keyPrefix + entry.path)) {
        total += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    } catch (error) {
      if (isLakeError(error, 'OBJECT_NOT_FOUND'))
        throw new SyncFileError('SOURCE_VANISHED', `${entry.path} vanished since it was listed`);
      throw error;
    }
    if (checkUnchanged && total !== entry.size) {
      throw new SyncFileError(
        'SOURCE_CHANGED',
        `${entry.path} changed while it was being read; it will move on the next run`,
      );
    }
  }

  async write(path: string, body: AsyncIterable<Buffer>): Promise<WrittenFile> {
    const result = await (this.options.writer ?? this.store).put(this.keyPrefix + path, body);
    return { version: result.etag, size: result.size };
  }

  async delete(path: string): Promise<void> {
    await (this.options.writer ?? this.store).delete(this.keyPrefix + path);
  }

  async close(): Promise<void> {
    await this.options.onClose?.();
  }
}
