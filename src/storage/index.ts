// The S3 backend is not exported as a value: importing it loads the AWS SDK, which
// `openObjectStore` does only when an S3 lake is opened.
export type { S3ObjectStore, S3ObjectStoreOptions } from './s3-store.js';
export { FsObjectStore, type FsObjectStoreOptions } from './fs-store.js';
export { GuardedStore, type GuardedStoreOptions, type StorageEvent } from './guarded-store.js';
export { MAX_KEY_BYTES, validateKey, validatePrefix } from './object-key.js';
export {
  listAll,
  type ByteRange,
  type ListOptions,
  type ListPage,
  type ObjectBody,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type PutResult,
} from './object-store.js';
export { openObjectStore, type ObjectStoreConfig } from './open-store.js';
export { ReadCache, type ReadCacheOptions } from './read-cache.js';
