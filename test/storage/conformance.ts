/**
 * The one behaviour every ObjectStore backend must show, run against each real backend
 * (local directory, S3 server). Each test gets a fresh, empty store wrapped in GuardedStore,
 * as the lake wraps it.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakeError, type ErrorCode } from '../../src/errors/lake-error.js';
import { GuardedStore, type StorageEvent } from '../../src/storage/guarded-store.js';
import { listAll, type ListOptions, type ObjectStore } from '../../src/storage/object-store.js';

export interface StoreUnderTest {
  store: ObjectStore;
  /** Closes the store and removes what it holds. */
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;

/** Registers the conformance tests for a backend; `makeStore` gives a fresh, empty store per test. */
export function describeObjectStoreConformance(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
): void {
  describe(`${name}: ObjectStore conformance`, () => {
    let underTest: StoreUnderTest;
    let store: GuardedStore;
    let backendCalls: string[];
    let events: StorageEvent[];
    let scratch: string;

    beforeEach(async () => {
      underTest = await makeStore();
      backendCalls = [];
      events = [];
      store = new GuardedStore(recordCalls(underTest.store, backendCalls), {
        onEvent: async (event) => {
          await new Promise((resolve) => setImmediate(resolve));
          events.push(event);
        },
      });
      scratch = await mkdtemp(join(tmpdir(), 'lakebox-conformance-'));
    });

    afterEach(async () => {
      await underTest.cleanup();
      await rm(scratch, { recursive: true, force: true });
    });

    describe('put and get', () => {
      it('round-trips a buffer, a string, a Uint8Array, a Readable and an async iterable', async () => {
        const bodies = {
          'round/buffer.bin': Buffer.from([0, 1, 2, 255, 254]),
          'round/string.txt': 'héllo, wörld\n',
          'round/uint8.bin': new Uint8Array([9, 8, 7]),
          'round/readable.txt': Readable.from([Buffer.from('abc'), Buffer.from('def')]),
          'round/iterable.txt': (async function* () {
            yield new TextEncoder().encode('ghi');
            yield new TextEncoder().encode('jkl');
          })(),
        };
        const expected: Record<string, Buffer> = {
          'round/buffer.bin': Buffer.from([0, 1, 2, 255, 254]),
          'round/string.txt': Buffer.from('héllo, wörld\n'),
          'round/uint8.bin': Buffer.from([9, 8, 7]),
          'round/readable.txt': Buffer.from('abcdef'),
          'round/iterable.txt': Buffer.from('ghijkl'),
        };
        for (const [key, body] of Object.entries(bodies)) {
          const result = await store.put(key, body);
          const want = expected[key] as Buffer;
          expect(result.size).toBe(want.length);
          expect(await read(store, key)).toEqual(want);
          const info = await store.head(key);
          expect(info).toMatchObject({ key, size: want.length, etag: result.etag });
          expect(info?.lastModified).toBeInstanceOf(Date);
        }
      });

      it('stores a zero-byte object', async () => {
        const result = await store.put('empty/zero.bin', Buffer.alloc(0));
        expect(result.size).toBe(0);
        expect((await read(store, 'empty/zero.bin')).length).toBe(0);
        expect(await store.head('empty/zero.bin')).toMatchObject({ size: 0 });
        expect((await store.list({ prefix: 'empty/' })).objects.map((o) => o.key)).toEqual([
          'empty/zero.bin',
        ]);
      });

      it('accepts keys with spaces, unicode and URL-special characters', async () => {
        const keys = [
          'odd/with space/a b.txt',
          'odd/unicode/é日本語😀.txt',
          'odd/hash#1',
          'odd/percent%41%',
          'odd/question?x=1',
          'odd/plus+sign',
          "odd/mixed &=;,@$!~'()[]{}.txt",
        ];
        for (const key of keys) await store.put(key, `content of ${key}`);
        for (const key of keys) {
          expect((await read(store, key)).toString()).toBe(`content of ${key}`);
          expect(await store.head(key)).toMatchObject({ key });
        }
        const listed = (await store.list({ prefix: 'odd/' })).objects.map((o) => o.key);
        expect(listed).toEqual([...keys].sort(byteOrder));
        for (const key of keys) await store.delete(key);
        expect((await store.list({ prefix: 'odd/' })).objects).toEqual([]);
      });

      it('reads inclusive byte ranges, clamping the end to the object', async () => {
        await store.put('range/letters.txt', 'abcdefghij');
        // Not bytes=0-0: s3rver takes an end of 0 for no end (real S3 and the fs backend do not).
        expect((await read(store, 'range/letters.txt', { start: 1, end: 1 })).toString()).toBe('b');
        expect((await read(store, 'range/letters.txt', { start: 2, end: 5 })).toString()).toBe(
          'cdef',
        );
        expect((await read(store, 'range/letters.txt', { start: 7 })).toString()).toBe('hij');
        expect((await read(store, 'range/letters.txt', { start: 8, end: 100 })).toString()).toBe(
          'ij',
        );
        await expectCode(read(store, 'range/letters.txt', { start: 10 }), 'INVALID_ARGUMENT');
      });

      it('rejects malformed ranges without calling the backend', async () => {
        await expectCode(store.get('range/x', { start: -1 }), 'INVALID_ARGUMENT');
        await expectCode(store.get('range/x', { start: 5, end: 2 }), 'INVALID_ARGUMENT');
        await expectCode(store.get('range/x', { start: 1.5 }), 'INVALID_ARGUMENT');
        expect(backendCalls).toEqual([]);
      });

      it('reports a missing object: head gives undefined, get and copy throw OBJECT_NOT_FOUND', async () => {
        expect(await store.head('missing/object.txt')).toBeUndefined();
        await expectCode(store.get('missing/object.txt'), 'OBJECT_NOT_FOUND');
        await expectCode(store.get('missing/object.txt', { start: 0, end: 1 }), 'OBJECT_NOT_FOUND');
        await expectCode(store.copy('missing/object.txt', 'missing/copy.txt'), 'OBJECT_NOT_FOUND');
        expect(await store.head('missing/copy.txt')).toBeUndefined();
      });

      it('changes the etag when an object is overwritten, even with content of the same size', async () => {
        const first = await store.put('over/k.txt', 'aaa');
        const second = await store.put('over/k.txt', 'bbb');
        const third = await store.put('over/k.txt', 'cccc');
        expect(new Set([first.etag, second.etag, third.etag]).size).toBe(3);
        expect((await store.head('over/k.txt'))?.etag).toBe(third.etag);
        expect((await read(store, 'over/k.txt')).toString()).toBe('cccc');
      });

      it('moves a local file in with putFile, consuming it', async () => {
        const local = join(scratch, 'upload.csv');
        await writeFile(local, 'a,b\n1,2\n');
        const result = await store.putFile('files/upload.csv', local);
        expect(result.size).toBe(8);
        expect((await read(store, 'files/upload.csv')).toString()).toBe('a,b\n1,2\n');
        expect((await store.head('files/upload.csv'))?.etag).toBe(result.etag);
        await expect(access(local)).rejects.toThrow();
      });

      it('stores many local files at once with putFiles, in order, consuming them', async () => {
        const files = await Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            const localPath = join(scratch, `batch-${i}.txt`);
            await writeFile(localPath, `file ${i}`.repeat(i + 1));
            return { key: `batch/p=${i % 7}/f-${i}.txt`, localPath };
          }),
        );
        const results = await store.putFiles(files);
        expect(results.map((r) => r.size)).toEqual(
          files.map((_, i) => `file ${i}`.length * (i + 1)),
        );
        for (const [i, file] of files.entries()) {
          expect((await read(store, file.key)).toString()).toBe(`file ${i}`.repeat(i + 1));
          expect((await store.head(file.key))?.etag).toBe(results[i]!.etag);
          await expect(access(file.localPath)).rejects.toThrow();
        }
        expect(events.map((e) => e.key)).toEqual(files.map((f) => f.key));
      });

      it('fails putFiles for a missing local file with FILE_NOT_FOUND', async () => {
        const present = join(scratch, 'present.txt');
        await writeFile(present, 'here');
        await expectCode(
          store.putFiles([
            { key: 'batch/present.txt', localPath: present },
            { key: 'batch/absent.txt', localPath: join(scratch, 'absent.txt') },
          ]),
          'FILE_NOT_FOUND',
        );
        expect(await store.head('batch/absent.txt')).toBeUndefined();
      });

      it('gives a staging folder whose files are objects only once stored', async () => {
        const folder = await store.stagingFolder();
        if (folder === undefined) {
          expect(store.localPath('direct/data/x')).toBeUndefined();
          return;
        }
        await mkdir(join(folder, 'day=1'), { recursive: true });
        const localPath = join(folder, 'day=1', 'part-1.parquet');
        await writeFile(localPath, 'written in place');
        // Half-written or not, a staged file is in no listing until putFiles renames it in.
        expect((await store.list({ prefix: '' })).objects).toEqual([]);
        const [result] = await store.putFiles([
          { key: 'direct/data/day=1/part-1.parquet', localPath },
        ]);
        expect(result!.size).toBe(16);
        expect((await read(store, 'direct/data/day=1/part-1.parquet')).toString()).toBe(
          'written in place',
        );
        expect((await store.head('direct/data/day=1/part-1.parquet'))?.etag).toBe(result!.etag);
        expect(events).toEqual([
          {
            type: 'object.created',
            key: 'direct/data/day=1/part-1.parquet',
            size: 16,
            etag: result!.etag,
          },
        ]);
      });

      it('makes an object visible only once its body is complete', async () => {
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const body = (async function* () {
          yield Buffer.from('first half,');
          await released;
          yield Buffer.from('second half');
        })();
        const putting = store.put('slow/object.txt', body);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await store.head('slow/object.txt')).toBeUndefined();
        expect((await store.list({ prefix: 'slow/' })).objects).toEqual([]);
        release();
        await putting;
        expect((await read(store, 'slow/object.txt')).toString()).toBe('first half,second half');
      });

      for (const [label, bytesBeforeError] of [
        ['a small body', 1000],
        ['a multipart-sized body', 12 * MiB],
      ] as const) {
        it(`leaves no object when ${label} errors midway`, async () => {
          const failing = (async function* () {
            for (let sent = 0; sent < bytesBeforeError; sent += MiB)
              yield Buffer.alloc(Math.min(MiB, bytesBeforeError - sent), 7);
            throw new Error('source went away');
          })();
          await expect(store.put('broken/object.bin', failing)).rejects.toThrow('source went away');
          expect(await store.head('broken/object.bin')).toBeUndefined();
          expect((await store.list({ prefix: '' })).objects).toEqual([]);
          expect(events).toEqual([]);
        });
      }

      it('streams a large object through in bounded memory', async () => {
        const size = 384 * MiB;
        const warmUp = 128 * MiB;
        const sent = createHash('sha256');
        const memory = new PeakRss();
        const body = (async function* () {
          for (let offset = 0; offset < size; offset += MiB) {
            if (offset === warmUp) memory.endWarmUp();
            const chunk = Buffer.alloc(MiB, (offset / MiB) % 251);
            chunk.writeUInt32BE(offset / MiB, 0);
            sent.update(chunk);
            memory.sample();
            yield chunk;
          }
        })();
        const result = await store.put('large/object.bin', body);
        expect(result.size).toBe(size);
        const received = createHash('sha256');
        let length = 0;
        for await (const chunk of await store.get('large/object.bin')) {
          received.update(chunk as Buffer);
          length += (chunk as Buffer).length;
          memory.sample();
        }
        memory.stop();
        expect(length).toBe(size);
        expect(received.digest('hex')).toBe(sent.digest('hex'));
        // Buffers, garbage and the allocator's retained pages reach their steady level within
        // the first 128 MiB (S3: 4 parts of 8 MiB in flight); bounded memory means that the
        // remaining 256 MiB up and 384 MiB down barely raise the peak. Buffering the object
        // whole would raise it by 256 MiB.
        expect(memory.growthAfterWarmUpMiB(), memory.report()).toBeLessThan(64);
      }, 120_000);
    });

    describe('list', () => {
      const tree = [
        'zone/db1/t1/data/part-0.parquet',
        'zone/db1/t1/data/part-1.parquet',
        'zone/db1/t2/data/part-0.parquet',
        'zone/db2/t1/x.csv',
        'zone/readme.txt',
        'zone.txt',
        'other/a',
      ];
      const fill = async () => {
        for (const key of tree) await store.put(key, key);
      };

      it('lists every key under a prefix in byte order, with sizes and etags', async () => {
        await fill();
        const page = await store.list({ prefix: 'zone/' });
        expect(page.objects.map((o) => o.key)).toEqual(
          tree.filter((k) => k.startsWith('zone/')).sort(byteOrder),
        );
        expect(page.prefixes).toEqual([]);
        expect(page.continuationToken).toBeUndefined();
        for (const object of page.objects) {
          expect(object.size).toBe(Buffer.byteLength(object.key));
          expect(object.etag).toBe((await store.head(object.key))?.etag);
        }
        expect((await store.list({})).objects.map((o) => o.key)).toEqual([...tree].sort(byteOrder));
      });

      it('rolls keys up to the delimiter into prefixes, however deep they are', async () => {
        await fill();
        expect(await entries(store, { prefix: '', delimiter: '/' })).toEqual({
          objects: ['zone.txt'],
          prefixes: ['other/', 'zone/'],
        });
        expect(await entries(store, { prefix: 'zone/', delimiter: '/' })).toEqual({
          objects: ['zone/readme.txt'],
          prefixes: ['zone/db1/', 'zone/db2/'],
        });
        expect(await entries(store, { prefix: 'zone/db1/', delimiter: '/' })).toEqual({
          objects: [],
          prefixes: ['zone/db1/t1/', 'zone/db1/t2/'],
        });
      });

      it('matches a prefix that ends in the middle of a name', async () => {
        await fill();
        expect(await entries(store, { prefix: 'zone/db1/t1/data/part-' })).toEqual({
          objects: ['zone/db1/t1/data/part-0.parquet', 'zone/db1/t1/data/part-1.parquet'],
          prefixes: [],
        });
        expect(await entries(store, { prefix: 'zone/db', delimiter: '/' })).toEqual({
          objects: [],
          prefixes: ['zone/db1/', 'zone/db2/'],
        });
        expect(await entries(store, { prefix: 'zon', delimiter: '/' })).toEqual({
          objects: ['zone.txt'],
          prefixes: ['zone/'],
        });
        expect(await entries(store, { prefix: 'zone/nothing' })).toEqual({
          objects: [],
          prefixes: [],
        });
        expect(await entries(store, { prefix: 'absent/folder/' })).toEqual({
          objects: [],
          prefixes: [],
        });
      });

      it('pages with maxKeys and continuation tokens to exactly the full sorted listing', async () => {
        const keys: string[] = [];
        for (let i = 0; i < 23; i++)
          keys.push(`paged/${i % 3}/item-${String(i).padStart(2, '0')}.txt`);
        keys.push('paged/0.txt', 'paged/z', 'paged/0/a/deep/key');
        for (const key of keys) await store.put(key, 'x');
        const pages: string[][] = [];
        let continuationToken: string | undefined;
        do {
          const page = await store.list({ prefix: 'paged/', maxKeys: 4, continuationToken });
          expect(page.objects.length).toBeLessThanOrEqual(4);
          pages.push(page.objects.map((o) => o.key));
          continuationToken = page.continuationToken;
        } while (continuationToken);
        expect(pages.length).toBe(Math.ceil(keys.length / 4));
        expect(pages.flat()).toEqual([...keys].sort(byteOrder));
        const all: string[] = [];
        for await (const object of listAll(store, 'paged/')) all.push(object.key);
        expect(all).toEqual([...keys].sort(byteOrder));
      });

      it('rejects an invalid prefix or maxKeys without calling the backend', async () => {
        await expectCode(store.list({ prefix: '../' }), 'INVALID_KEY');
        await expectCode(store.list({ prefix: '/abs' }), 'INVALID_KEY');
        await expectCode(store.list({ prefix: 'a//b' }), 'INVALID_KEY');
        await expectCode(store.list({ prefix: 'a', maxKeys: 0 }), 'INVALID_ARGUMENT');
        expect(backendCalls).toEqual([]);
      });
    });

    describe('delete and copy', () => {
      it('deletes idempotently', async () => {
        await store.put('del/a.txt', 'a');
        await store.put('del/b.txt', 'b');
        await store.delete('del/a.txt');
        expect(await store.head('del/a.txt')).toBeUndefined();
        await store.delete('del/a.txt');
        await store.delete('del/never/existed.txt');
        expect((await store.list({ prefix: 'del/' })).objects.map((o) => o.key)).toEqual([
          'del/b.txt',
        ]);
      });

      it('copies an object, leaving the source', async () => {
        const source = await store.put('copy/source é.txt', 'copied content');
        const result = await store.copy('copy/source é.txt', 'copy/sub/target.txt');
        expect(result.size).toBe(source.size);
        expect((await store.head('copy/sub/target.txt'))?.etag).toBe(result.etag);
        expect((await read(store, 'copy/sub/target.txt')).toString()).toBe('copied content');
        expect((await read(store, 'copy/source é.txt')).toString()).toBe('copied content');
        await store.put('copy/source é.txt', 'changed');
        expect((await read(store, 'copy/sub/target.txt')).toString()).toBe('copied content');
      });
    });

    describe('keys', () => {
      const invalidKeys = [
        '',
        '/leading/slash',
        'a/../b',
        '..',
        'a/./b',
        '.',
        'a//b',
        'trailing/',
        'nul\u0000byte',
        'tab\tin/key',
        'del\u007f',
        'back\\slash',
        'x'.repeat(1025),
        'é'.repeat(513),
        '.lakebox/tmp/x',
      ];

      it.each(invalidKeys.map((key) => [JSON.stringify(key).slice(0, 40), key]))(
        'rejects %s with INVALID_KEY before any backend call',
        async (_label, key) => {
          await expectCode(store.put(key, 'x'), 'INVALID_KEY');
          await expectCode(store.putFile(key, join(scratch, 'absent')), 'INVALID_KEY');
          await expectCode(
            store.putFiles([{ key, localPath: join(scratch, 'absent') }]),
            'INVALID_KEY',
          );
          await expectCode(store.get(key), 'INVALID_KEY');
          await expectCode(store.head(key), 'INVALID_KEY');
          await expectCode(store.delete(key), 'INVALID_KEY');
          await expectCode(store.copy(key, 'fine/key'), 'INVALID_KEY');
          await expectCode(store.copy('fine/key', key), 'INVALID_KEY');
          expect(() => store.localPath(key)).toThrow(
            expect.objectContaining({ code: 'INVALID_KEY' }),
          );
          expect(backendCalls).toEqual([]);
        },
      );

      it('accepts a key of exactly 1024 bytes', async () => {
        const key = `long/${'k'.repeat(200)}/${'e'.repeat(200)}/${'y'.repeat(200)}/${'s'.repeat(200)}/`;
        const exact = key + 'z'.repeat(1024 - Buffer.byteLength(key));
        await store.put(exact, 'x');
        expect(await store.head(exact)).toMatchObject({ size: 1 });
      });
    });

    describe('events', () => {
      it('emits object.created after put, putFile and copy, and object.removed only for objects that existed', async () => {
        const put = await store.put('ev/a.txt', 'hello');
        const local = join(scratch, 'b.txt');
        await writeFile(local, 'bb');
        const file = await store.putFile('ev/b.txt', local);
        const copy = await store.copy('ev/a.txt', 'ev/c.txt');
        await store.delete('ev/b.txt');
        await store.delete('ev/b.txt');
        await store.delete('ev/never.txt');
        expect(events).toEqual([
          { type: 'object.created', key: 'ev/a.txt', size: 5, etag: put.etag },
          { type: 'object.created', key: 'ev/b.txt', size: 2, etag: file.etag },
          { type: 'object.created', key: 'ev/c.txt', size: 5, etag: copy.etag },
          { type: 'object.removed', key: 'ev/b.txt', size: 2, etag: file.etag },
        ]);
      });

      it('emits nothing when the operation fails', async () => {
        await expectCode(store.copy('ev/absent.txt', 'ev/copy.txt'), 'OBJECT_NOT_FOUND');
        await expectCode(store.put('../bad', 'x'), 'INVALID_KEY');
        expect(events).toEqual([]);
      });
    });
  });
}

/** A view of the backend that records which operations reach it. */
function recordCalls(backend: ObjectStore, calls: string[]): ObjectStore {
  return new Proxy(backend, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function read(
  store: ObjectStore,
  key: string,
  range?: { start: number; end?: number },
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key, range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function entries(
  store: ObjectStore,
  options: ListOptions,
): Promise<{ objects: string[]; prefixes: string[] }> {
  const page = await store.list(options);
  return { objects: page.objects.map((o) => o.key), prefixes: page.prefixes };
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLakeError(error, code), `expected LakeError ${code}, got ${String(error)}`).toBe(true);
}

/** S3's order: UTF-8 bytes, which differs from JS string order for characters beyond U+FFFF. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The highest RSS seen, sampled on demand and every few milliseconds, before and after a warm-up. */
class PeakRss {
  private readonly baseline = process.memoryUsage.rss();
  private peak = this.baseline;
  private warmUpPeak?: number;
  private readonly timer = setInterval(() => this.sample(), 5);

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  endWarmUp(): void {
    this.sample();
    this.warmUpPeak = this.peak;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** How much higher the peak went after the warm-up than during it. */
  growthAfterWarmUpMiB(): number {
    return (this.peak - (this.warmUpPeak ?? this.baseline)) / MiB;
  }

  report(): string {
    return `start ${(this.baseline / MiB) | 0} MiB, warm-up peak ${((this.warmUpPeak ?? 0) / MiB) | 0} MiB, peak ${(this.peak / MiB) | 0} MiB`;
  }
}
