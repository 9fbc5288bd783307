import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveEnvReferences } from '../../config/env-references.js';
import { LakeError } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import { GuardedStore } from '../../storage/guarded-store.js';
import { openObjectStore } from '../../storage/open-store.js';
import { S3_PART_SIZE } from '../../storage/s3-etag.js';
import { LocalDirTree } from './local-dir-tree.js';
import { describeLocation } from './sync-location.js';
import type { SyncTree } from './sync-tree.js';
import type { SyncLocation } from './sync-types.js';
import { StoreTree } from './store-tree.js';

export interface OpenTreeOptions {
  role: 'source' | 'destination';
  fsync: boolean;
  preserveMtime: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens a location as a tree. S3 locations get their own client (credentials resolved from
 * the environment now, never stored). A lake prefix on local storage is written as a local
 * directory (temporary files in the store's own `.lakebox/` folder, which listings skip),
 * which is several times faster than one store call per file; its writes are announced as
 * `object.created` by the executor, in batches.
 *
 * @throws LakeError FILE_NOT_FOUND for a missing source directory, INVALID_CONFIG for an unset
 *   environment variable.
 */
export async function openSyncTree(
  services: LakeServices,
  location: SyncLocation,
  options: OpenTreeOptions,
): Promise<SyncTree> {
  switch (location.type) {
    case 'local': {
      const info = await stat(location.path).catch(() => undefined);
      if (!info?.isDirectory()) {
        if (options.role === 'source' || info) {
          throw new LakeError(
            'FILE_NOT_FOUND',
            `The ${options.role} directory ${location.path} does not exist or is not a directory.`,
          );
        }
        await mkdir(location.path, { recursive: true });
      }
      return new LocalDirTree(location.path, {
        fsync: options.fsync,
        preserveMtime: options.preserveMtime,
        removeStaleTemporaries: options.role === 'destination',
      });
    }
    case 'lake': {
      const prefix = location.prefix ? `${location.zone}/${location.prefix}` : location.zone;
      const store = services.store;
      const zoneDir = store.kind === 'fs' ? store.localPath(location.zone) : undefined;
      if (zoneDir) {
        const root = join(zoneDir, ...location.prefix.split('/').filter(Boolean));
        await mkdir(root, { recursive: true });
        return new LocalDirTree(root, {
          removeStaleTemporaries: options.role === 'destination',
          fsync: options.fsync,
          preserveMtime: options.preserveMtime,
          location: describeLocation(location),
          objectKey: (path) => `${prefix}/${path}`,
        });
      }
      const writer = store instanceof GuardedStore ? store.backend : store;
      return new StoreTree(store, {
        prefix,
        writer,
        inLake: true,
        etagPartSize: store.kind === 's3' ? S3_PART_SIZE : undefined,
      });
    }
    case 's3': {
      const resolved = resolveEnvReferences(location, 'sync location', options.env ?? process.env);
      const backend = await openObjectStore({
        type: 's3',
        bucket: resolved.bucket,
        prefix: resolved.prefix,
        endpoint: resolved.endpoint,
        region: resolved.region ?? 'us-east-1',
        accessKeyId: resolved.accessKeyId,
        secretAccessKey: resolved.secretAccessKey,
        forcePathStyle: resolved.forcePathStyle ?? Boolean(resolved.endpoint),
      });
      return new StoreTree(new GuardedStore(backend), {
        prefix: '',
        etagPartSize: S3_PART_SIZE,
        onClose: () => backend.close(),
      });
    }
  }
}
