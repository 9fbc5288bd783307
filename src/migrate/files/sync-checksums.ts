import { checksumOf } from './byte-streams.js';
import { FileHasher, hashFileHere, type FileHash } from './file-hasher.js';
import { fileErrorOf, isLocationFailure, SyncFileError } from './sync-file-error.js';
import type { SyncTree, TreeEntry } from './sync-tree.js';

/**
 * How an execution takes files' checksums: a local file's on the hasher's worker threads when
 * there is enough to hash to pay for starting them (else on the calling thread), another
 * tree's as its bytes stream. A file that cannot be read comes back as its SyncFileError; a
 * failure of a whole location is thrown.
 */
export class SyncChecksums {
  #hasher?: FileHasher;

  constructor(
    /** Whether local files are hashed on worker threads. */
    readonly onThreads: boolean,
    private readonly signal: AbortSignal,
  ) {}

  async of(tree: SyncTree, entry: TreeEntry): Promise<string | SyncFileError> {
    if (tree.localFile) {
      const path = tree.localFile(entry.path);
      let hash: FileHash;
      if (this.onThreads) {
        this.#hasher ??= new FileHasher();
        hash = await this.#hasher.hash(path);
      } else {
        hash = await hashFileHere(path);
      }
      if ('checksum' in hash) return hash.checksum;
      const cause = Object.assign(new Error(hash.message), { code: hash.error });
      return fileErrorOf(cause, entry.path, 'read');
    }
    return checksumOf(tree.read(entry, false), this.signal).catch((error: unknown) => {
      if (isLocationFailure(error)) throw error;
      return error instanceof SyncFileError ? error : fileErrorOf(error, entry.path, 'read');
    });
  }

  /** Stops the worker threads, if any started. */
  async close(): Promise<void> {
    await this.#hasher?.close();
  }
}
