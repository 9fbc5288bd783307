import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLakeError, type LakeError } from '../../src/errors/lake-error.js';
import { GuardedStore } from '../../src/storage/guarded-store.js';
import { mapS3Error } from '../../src/storage/map-s3-error.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { ReadCache } from '../../src/storage/read-cache.js';
import { S3_PART_SIZE, S3EtagHasher } from '../../src/storage/s3-etag.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../src/storage/s3-store.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { describeObjectStoreConformance } from './conformance.js';

let server: S3TestServer;

beforeAll(async () => {
  server = await startS3Server();
});

afterAll(async () => {
  await server?.stop();
});

/** A store on the test server, under a prefix of its own so that tests never see each other's objects. */
function s3Store(overrides: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore {
  return new S3ObjectStore({
    bucket: server.bucket,
    prefix: `test-${randomUUID()}`,
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    forcePathStyle: true,
    ...overrides,
  });
}

describeObjectStoreConformance('S3ObjectStore on s3rver', async () => {
  const store = s3Store();
  return { store, cleanup: () => store.close() };
});

describe('S3ObjectStore', () => {
  it('gives objects sent in one PUT the ETag S3EtagHasher foresees', async () => {
    const store = s3Store();
    try {
      for (const size of [0, 1000, S3_PART_SIZE - 1, S3_PART_SIZE]) {
        const chunks = unevenChunks(patterned(size));
        const hasher = new S3EtagHasher(S3_PART_SIZE);
        for (const chunk of chunks) hasher.update(chunk);
        const put = await store.put(`etag/${size}.bin`, Readable.from(chunks));
        expect([size, put.etag]).toEqual([size, hasher.digest()]);
      }
    } finally {
      await store.close();
    }
  });

  it("foresees a multipart upload's ETag as S3 computes it: the MD5 of its parts' MD5s, and their count", () => {
    // s3rver gives such objects a plain MD5 instead; the sync then reads them back to verify.
    const bytes = patterned(2 * S3_PART_SIZE + 12345);
    const hasher = new S3EtagHasher(S3_PART_SIZE);
    for (const chunk of unevenChunks(bytes)) hasher.update(chunk);
    const parts = [0, 1, 2].map((i) =>
      createHash('md5')
        .update(bytes.subarray(i * S3_PART_SIZE, (i + 1) * S3_PART_SIZE))
        .digest(),
    );
    expect(hasher.digest()).toBe(
      `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-3`,
    );
  });

  it('keeps each store inside its prefix', async () => {
    const prefix = `iso-${randomUUID()}`;
    const inner = s3Store({ prefix });
    const sibling = s3Store({ prefix: `${prefix}x` });
    const whole = s3Store({ prefix: '' });
    try {
      await inner.put('a.txt', 'inner');
      await sibling.put('b.txt', 'sibling');
      expect((await inner.list({})).objects.map((o) => o.key)).toEqual(['a.txt']);
      expect((await inner.list({ delimiter: '/' })).prefixes).toEqual([]);
      expect((await whole.list({ prefix: `${prefix}/` })).objects.map((o) => o.key)).toEqual([
        `${prefix}/a.txt`,
      ]);
      expect(inner.location).toBe(`s3://${server.bucket}/${prefix}`);
      expect(inner.localPath()).toBeUndefined();
    } finally {
      await Promise.all([inner.close(), sibling.close(), whole.close()]);
    }
  });

  it('fails fast with STORAGE_UNREACHABLE, naming the endpoint, when nothing listens', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = s3Store({ endpoint });
    try {
      for (const operation of [
        () => store.head('a.txt'),
        () => store.put('a.txt', 'x'),
        () => store.list({}),
      ]) {
        const started = Date.now();
        const error = await failure(operation());
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(error.code).toBe('STORAGE_UNREACHABLE');
        expect(error.transient).toBe(true);
        expect(error.message).toContain(endpoint);
        expect(error.message).toContain(server.bucket);
        expect(error.message).toMatch(/check the endpoint/i);
      }
    } finally {
      await store.close();
    }
  });

  it('reports refused credentials as STORAGE_ACCESS_DENIED, naming the key id and never the secret', async () => {
    // s3rver checks the access key id but not SigV4 signatures, so it refuses an unknown key
    // id (InvalidAccessKeyId) while a known id with a wrong secret would pass.
    const secret = 'do-not-leak-this-secret-0123456789';
    const store = s3Store({
      credentials: { accessKeyId: 'LAKEBOX-TEST-KEY', secretAccessKey: secret },
    });
    try {
      for (const operation of [
        () => store.put('a.txt', 'x'),
        () => store.head('a.txt'),
        () => store.list({}),
        () => store.get('a.txt'),
      ]) {
        const error = await failure(operation());
        expect(error.code).toBe('STORAGE_ACCESS_DENIED');
        expect(error.message).toContain('LAKEBOX-TEST-KEY');
        expect(error.message).toContain(server.bucket);
        expect(error.message).toMatch(/check the access key id and secret/i);
        for (const text of [
          error.message,
          JSON.stringify(error.toJSON()),
          String(error.stack),
          String(error.cause),
        ]) {
          expect(text).not.toContain(secret);
        }
      }
    } finally {
      await store.close();
    }
  });

  it('maps a wrong secret (SignatureDoesNotMatch) to STORAGE_ACCESS_DENIED', () => {
    const sdkError = Object.assign(
      new Error('The request signature we calculated does not match the signature you provided.'),
      {
        name: 'SignatureDoesNotMatch',
        Code: 'SignatureDoesNotMatch',
        $metadata: { httpStatusCode: 403 },
      },
    );
    const error = mapS3Error(sdkError, {
      endpoint: 'https://s3.example.com',
      region: 'eu-west-1',
      bucket: 'lake',
      location: 's3://lake/',
      accessKeyId: 'AKIAEXAMPLE',
    }) as LakeError;
    expect(error.code).toBe('STORAGE_ACCESS_DENIED');
    expect(error.message).toContain('AKIAEXAMPLE');
    expect(error.message).toContain('"lake"');
  });

  it('tells the user to create a missing bucket', async () => {
    const store = s3Store({ bucket: 'no-such-bucket' });
    try {
      const error = await failure(store.list({}));
      expect(error.code).toBe('STORAGE_ERROR');
      expect(error.message).toContain('"no-such-bucket"');
      expect(error.message).toMatch(/create the bucket/i);
    } finally {
      await store.close();
    }
  });
});

describe('ReadCache over S3', () => {
  let backend: S3ObjectStore;
  let gets: string[];
  let store: ObjectStore;
  let cacheDir: string;

  beforeEach(async () => {
    backend = s3Store();
    gets = [];
    store = new GuardedStore(countingGets(backend, gets));
    cacheDir = await mkdtemp(join(tmpdir(), 'lakebox-cache-'));
  });

  afterEach(async () => {
    await backend.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('downloads once and reuses the copy while the etag is unchanged', async () => {
    await store.put('curated/t/part-0.parquet', 'version one');
    const cache = new ReadCache(store, { cacheDir });
    const first = await cache.localPath('curated/t/part-0.parquet');
    const second = await cache.localPath('curated/t/part-0.parquet');
    expect(second).toBe(first);
    expect(first.startsWith(cacheDir)).toBe(true);
    expect(first.endsWith('.parquet')).toBe(true);
    expect(await readFile(first, 'utf8')).toBe('version one');
    expect(gets).toEqual(['curated/t/part-0.parquet']);
    expect((await readdir(cacheDir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('downloads again after the object changes', async () => {
    await store.put('curated/t/data.csv', 'old');
    const cache = new ReadCache(store, { cacheDir });
    const before = await cache.localPath('curated/t/data.csv');
    await store.put('curated/t/data.csv', 'new content');
    const after = await cache.localPath('curated/t/data.csv');
    expect(after).not.toBe(before);
    expect(await readFile(after, 'utf8')).toBe('new content');
    expect(gets).toHaveLength(2);
  });

  it('shares one download among concurrent callers', async () => {
    await store.put('curated/t/big.bin', Buffer.alloc(3 * 1024 * 1024, 1));
    const cache = new ReadCache(store, { cacheDir });
    const paths = await Promise.all(
      Array.from({ length: 8 }, () => cache.localPath('curated/t/big.bin')),
    );
    expect(new Set(paths).size).toBe(1);
    expect(gets).toHaveLength(1);
  });

  it('evicts the least recently used copies past the byte limit', async () => {
    const cache = new ReadCache(store, { cacheDir, maxBytes: 2500, keepRecentMs: 0 });
    for (const name of ['a', 'b', 'c'])
      await store.put(`lru/${name}.bin`, Buffer.alloc(1000, name));
    const a = await cache.localPath('lru/a.bin');
    await pause(20);
    const b = await cache.localPath('lru/b.bin');
    await pause(20);
    await cache.localPath('lru/a.bin'); // a is now more recent than b
    await pause(20);
    const c = await cache.localPath('lru/c.bin');
    expect(existsSync(a)).toBe(true);
    expect(existsSync(b)).toBe(false);
    expect(existsSync(c)).toBe(true);
  });

  it('reports a missing object as OBJECT_NOT_FOUND', async () => {
    const cache = new ReadCache(store, { cacheDir });
    await expect(cache.localPath('curated/absent.parquet')).rejects.toMatchObject({
      code: 'OBJECT_NOT_FOUND',
    });
  });
});

/** A view of the backend that records which keys are downloaded. */
function countingGets(backend: ObjectStore, gets: string[]): ObjectStore {
  return new Proxy(backend, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'get') gets.push(String(args[0]));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** A loopback port that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<LakeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isLakeError(error)) throw new Error(`expected a LakeError, got ${String(error)}`);
  return error;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function patterned(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) bytes[i] = i % 251;
  return bytes;
}

/** Uneven chunks, as a sync streams a file. */
function unevenChunks(bytes: Buffer): Buffer[] {
  return Array.from({ length: Math.ceil(bytes.length / 100_003) }, (_, i) =>
    bytes.subarray(i * 100_003, (i + 1) * 100_003),
  );
}
