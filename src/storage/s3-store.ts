/**
 * The S3 backend over AWS SDK v3: any S3 API (AWS, MinIO, R2). Streams go through
 * `@aws-sdk/lib-storage`'s multipart uploader with a bounded queue, so memory stays bounded
 * whatever the object's size. Errors are mapped in `map-s3-error.ts`.
 */
import { stat, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { runPool } from '../concurrency/run-pool.js';
import { S3_PART_SIZE } from './s3-etag.js';
import { LakeError } from '../errors/lake-error.js';
import { displayEndpoint, mapS3Error, type S3ErrorContext } from './map-s3-error.js';
import { bodyChunks, discardBody, inMemoryBytes } from './object-body.js';
import { validatePrefix } from './object-key.js';
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

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' for the whole bucket); keys map to `<prefix>/<key>`. */
  prefix: string;
  /** For S3-compatible servers (MinIO, R2, s3rver); AWS's own endpoint when absent. */
  endpoint?: string;
  region: string;
  /** The default AWS credential chain (environment, profile, instance role) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style URLs (`endpoint/bucket/key`), which most self-hosted servers need. */
  forcePathStyle?: boolean;
}

// 8 MiB parts, 4 in flight: about 40 MiB of live buffers per upload, whatever the object size
// (with garbage and the allocator's retained pages, RSS settles some 130 MiB above idle).
const QUEUE_SIZE = 4;
const MAX_KEYS = 1000;
/** Objects uploaded at once by `putFiles`; each small upload is mostly a round trip. */
const UPLOAD_CONCURRENCY = 16;

/**
 * Objects in an S3 bucket under a prefix.
 *
 * @example
 * const store = new S3ObjectStore({ bucket: 'lake', prefix: 'prod', region: 'eu-west-1' });
 * await store.put('raw/hello.txt', 'hello'); // s3://lake/prod/raw/hello.txt
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  /** '' or the store prefix with a trailing '/'. */
  private readonly keyPrefix: string;
  private readonly errorContext: S3ErrorContext;

  constructor(options: S3ObjectStoreOptions) {
    const prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    if (prefix) validatePrefix(`${prefix}/`);
    this.bucket = options.bucket;
    this.keyPrefix = prefix ? `${prefix}/` : '';
    this.location = `s3://${options.bucket}/${prefix}`;
    this.errorContext = {
      endpoint: displayEndpoint(options.endpoint),
      region: options.region,
      bucket: options.bucket,
      location: this.location,
      accessKeyId: options.credentials?.accessKeyId,
    };
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      // Few retries and short connection timeouts: an unreachable endpoint fails in seconds,
      // not after a retry storm. Socket inactivity (not total time) bounds a stalled transfer.
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 2_000, socketTimeout: 30_000 },
      // Checksums only where S3 requires them: S3-compatible servers differ in what they accept.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: ObjectBody, options: PutOptions = {}): Promise<PutResult> {
    const bytes = inMemoryBytes(body);
    if (bytes && bytes.length <= S3_PART_SIZE) {
      return this.call(key, async () => {
        const output = await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.fullKey(key),
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: options.contentType,
          }),
        );
        return { etag: unquote(output.ETag), size: bytes.length };
      });
    }
    let size = 0;
    let bodyError: unknown;
    const counted = async function* (chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const chunk of chunks) {
        size += chunk.length;
        yield chunk;
      }
    };
    const source =
      bytes ??
      Readable.from(
        counted(bodyChunks(body as Readable | AsyncIterable<Uint8Array>, (e) => (bodyError = e))),
        { objectMode: false },
      );
    try {
      const etag = await this.upload(key, source, options.contentType);
      return { etag, size: bytes ? bytes.length : size };
    } catch (error) {
      if (source instanceof Readable) source.destroy();
      discardBody(body);
      // The caller's stream failed: its own error says more than the aborted upload's.
      if (bodyError !== undefined) throw bodyError;
      throw error;
    }
  }

  async putFile(key: string, localPath: string): Promise<PutResult> {
    const stats = await stat(localPath).catch((error: unknown) => {
      throw new LakeError(
        'FILE_NOT_FOUND',
        `Cannot store ${JSON.stringify(key)}: the local file ${localPath} cannot be read.`,
        {
          cause: error,
        },
      );
    });
    const etag = await this.upload(key, createReadStream(localPath), undefined, stats.size);
    await rm(localPath, { force: true });
    return { etag, size: stats.size };
  }

  async putFiles(files: readonly LocalFile[]): Promise<PutResult[]> {
    const results: PutResult[] = new Array(files.length);
    await runPool(files, UPLOAD_CONCURRENCY, undefined, async (file, i) => {
      results[i] = await this.putFile(file.key, file.localPath);
    });
    return results;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    return this.call(key, async () => {
      const output = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      // In Node the SDK's body is an http.IncomingMessage, which is a Readable.
      return output.Body as Readable;
    });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const output = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      return {
        key,
        size: output.ContentLength ?? 0,
        etag: unquote(output.ETag),
        lastModified: output.LastModified ?? new Date(0),
      };
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return undefined;
      throw mapS3Error(error, { ...this.errorContext, key });
    }
  }

  async list(options: ListOptions): Promise<ListPage> {
    return this.call(undefined, async () => {
      const output = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.keyPrefix + (options.prefix ?? ''),
          Delimiter: options.delimiter || undefined,
          MaxKeys: Math.min(options.maxKeys ?? MAX_KEYS, MAX_KEYS),
          ContinuationToken: options.continuationToken,
        }),
      );
      const objects: ObjectInfo[] = [];
      for (const item of output.Contents ?? []) {
        const key = this.storeKey(item.Key);
        // Keys ending in '/' are folder markers made by consoles and other tools, not objects.
        if (key === undefined || key.endsWith('/')) continue;
        objects.push({
          key,
          size: item.Size ?? 0,
          etag: unquote(item.ETag),
          lastModified: item.LastModified ?? new Date(0),
        });
      }
      const prefixes = (output.CommonPrefixes ?? []).flatMap((p) => this.storeKey(p.Prefix) ?? []);
      return output.IsTruncated && output.NextContinuationToken
        ? { objects, prefixes, continuationToken: output.NextContinuationToken }
        : { objects, prefixes };
    });
  }

  async delete(key: string): Promise<void> {
    await this.call(key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) })),
    );
  }

  async copy(sourceKey: string, destinationKey: string): Promise<PutResult> {
    await this.call(sourceKey, () =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(destinationKey),
          // The copy source is a URL path: each segment percent-encoded, '/' kept.
          CopySource: `${this.bucket}/${this.fullKey(sourceKey).split('/').map(encodeURIComponent).join('/')}`,
        }),
      ),
    );
    const copied = await this.head(destinationKey);
    if (!copied)
      throw mapS3Error({ name: 'NoSuchKey' }, { ...this.errorContext, key: destinationKey });
    return { etag: copied.etag, size: copied.size };
  }

  localPath(): undefined {
    return undefined;
  }

  async stagingFolder(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Multipart for large bodies, a single PUT for small ones; at most QUEUE_SIZE parts in memory. */
  private async upload(
    key: string,
    body: Readable | Buffer,
    contentType: string | undefined,
    contentLength?: number,
  ): Promise<string> {
    return this.call(key, async () => {
      const upload = new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: body,
          ContentType: contentType,
          ContentLength: contentLength,
        },
        partSize: S3_PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
      });
      const output = await upload.done();
      return unquote(output.ETag);
    });
  }

  private async call<T>(key: string | undefined, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw mapS3Error(error, { ...this.errorContext, key });
    }
  }

  private fullKey(key: string): string {
    return this.keyPrefix + key;
  }

  /** A bucket key as a store key; undefined for keys outside the store's prefix. */
  private storeKey(bucketKey: string | undefined): string | undefined {
    return bucketKey?.startsWith(this.keyPrefix)
      ? bucketKey.slice(this.keyPrefix.length)
      : undefined;
  }
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}
