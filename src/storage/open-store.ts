import { LakeError } from '../errors/lake-error.js';
import { FsObjectStore } from './fs-store.js';
import type { ObjectStore } from './object-store.js';

/** Where a lake's objects live, as resolved from the lake config (secrets already substituted). */
export type ObjectStoreConfig =
  | { type: 'local'; path: string }
  | {
      type: 's3';
      bucket: string;
      prefix: string;
      endpoint?: string;
      region: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      forcePathStyle?: boolean;
    };

/**
 * Opens the backend a config names. The S3 backend is imported only here, when an S3 lake is
 * opened, so that commands on local lakes never pay for loading the AWS SDK.
 *
 * @example
 * const store = await openObjectStore({ type: 'local', path: '/data/lake' });
 * const remote = await openObjectStore({ type: 's3', bucket: 'lake', prefix: '', region: 'eu-west-1' });
 */
export async function openObjectStore(config: ObjectStoreConfig): Promise<ObjectStore> {
  switch (config.type) {
    case 'local':
      return new FsObjectStore(config.path);
    case 's3': {
      if (Boolean(config.accessKeyId) !== Boolean(config.secretAccessKey)) {
        throw new LakeError(
          'INVALID_CONFIG',
          `The S3 storage of the lake sets ${config.accessKeyId ? 'accessKeyId without secretAccessKey' : 'secretAccessKey without accessKeyId'}. ` +
            'Set both (as ${env:NAME} references), or neither to use the default AWS credentials.',
        );
      }
      const { S3ObjectStore } = await import('./s3-store.js');
      return new S3ObjectStore({
        bucket: config.bucket,
        prefix: config.prefix,
        endpoint: config.endpoint,
        region: config.region,
        forcePathStyle: config.forcePathStyle,
        credentials:
          config.accessKeyId && config.secretAccessKey
            ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
            : undefined,
      });
    }
  }
}
