import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakeError } from '../../src/errors/lake-error.js';
import { FsObjectStore } from '../../src/storage/fs-store.js';
import { GuardedStore } from '../../src/storage/guarded-store.js';
import type { ListOptions } from '../../src/storage/object-store.js';
import { ReadCache } from '../../src/storage/read-cache.js';
import { byteOrder, describeObjectStoreConformance } from './conformance.js';

describeObjectStoreConformance('FsObjectStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lakebox-fs-'));
  const store = new FsObjectStore(root);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('FsObjectStore', () => {
  let root: string;
  let scratch: string;
  let store: GuardedStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-fs-'));
    scratch = await mkdtemp(join(tmpdir(), 'lakebox-fs-scratch-'));
    store = new GuardedStore(new FsObjectStore(root));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  const keysOf = async (options: ListOptions) =>
    (await store.list(options)).objects.map((o) => o.key);
  const tmpFiles = async () => readdir(join(root, '.lakebox', 'tmp')).catch(() => []);

  it('keeps objects as plain files and gives their path', async () => {
    await store.put('raw/a/b.txt', 'content');
    expect(store.localPath('raw/a/b.txt')).toBe(join(root, 'raw', 'a', 'b.txt'));
    expect(await readFile(join(root, 'raw', 'a', 'b.txt'), 'utf8')).toBe('content');
  });

  it('reads a range of exactly the first byte', async () => {
    await store.put('range/first.txt', 'abc');
    const chunks: Buffer[] = [];
    for await (const chunk of await store.get('range/first.txt', { start: 0, end: 0 }))
      chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('a');
  });

  it('leaves no temporary files behind, after success or failure', async () => {
    await store.put('t/a.txt', 'a');
    await store.copy('t/a.txt', 't/b.txt');
    const local = join(scratch, 'upload.txt');
    await writeFile(local, 'upload');
    await store.putFile('t/c.txt', local);
    const failing = (async function* () {
      yield Buffer.from('partial');
      throw new Error('boom');
    })();
    await expect(store.put('t/d.txt', failing)).rejects.toThrow('boom');
    expect(await tmpFiles()).toEqual([]);
    expect(await keysOf({ prefix: 't/' })).toEqual(['t/a.txt', 't/b.txt', 't/c.txt']);
  });

  it('never lists its own .lakebox directory nor a configured temporary directory', async () => {
    const custom = new GuardedStore(new FsObjectStore(root, { tmpDir: join(root, 'staging') }));
    await mkdir(join(root, '.lakebox'), { recursive: true });
    await writeFile(join(root, '.lakebox', 'meta.db'), 'sqlite');
    await mkdir(join(root, 'staging'), { recursive: true });
    await writeFile(join(root, 'staging', 'leftover.tmp'), 'partial');
    await custom.put('zone/a.txt', 'a');
    expect((await custom.list({})).objects.map((o) => o.key)).toEqual(['zone/a.txt']);
    expect((await custom.list({ delimiter: '/' })).prefixes).toEqual(['zone/']);
    expect((await custom.list({ prefix: '.lak', delimiter: '/' })).prefixes).toEqual([]);
  });

  it('orders keys by UTF-8 bytes: "a-b" < "a.b" < "a/b" < "a0", and U+FB01 < U+1F600', async () => {
    const keys = ['a/b', 'a.b', 'a0', 'a/c/d', 'a-b', 'A', '\u{1F600}', '\uFB01', 'b'];
    for (const key of keys) await store.put(key, key);
    expect(await keysOf({})).toEqual([...keys].sort(byteOrder));
    expect(await keysOf({})).toEqual([
      'A',
      'a-b',
      'a.b',
      'a/b',
      'a/c/d',
      'a0',
      'b',
      '\uFB01',
      '\u{1F600}',
    ]);
    // JavaScript's own order (UTF-16) would put U+1F600 first.
    expect(['\uFB01', '\u{1F600}'].sort()).toEqual(['\u{1F600}', '\uFB01']);
  });

  it('pages through rolled-up prefixes and objects alike, as S3 counts them', async () => {
    for (const key of ['a/1', 'a/2', 'b', 'c/1', 'c/d/2', 'd', 'e/1']) await store.put(key, 'x');
    const full = await store.list({ delimiter: '/' });
    expect(full).toMatchObject({
      objects: [{ key: 'b' }, { key: 'd' }],
      prefixes: ['a/', 'c/', 'e/'],
    });
    const seen: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await store.list({ delimiter: '/', maxKeys: 1, continuationToken });
      expect(page.objects.length + page.prefixes.length).toBe(1);
      seen.push(...page.prefixes, ...page.objects.map((o) => o.key));
      continuationToken = page.continuationToken;
    } while (continuationToken);
    expect(seen).toEqual(['a/', 'b', 'c/', 'd', 'e/']);
  });

  it('rolls up on any delimiter, including inside names', async () => {
    for (const key of [
      'logs/app-2024-01.txt',
      'logs/app-2024-02.txt',
      'logs/web-1.txt',
      'logs/plain.txt',
      'logs/x-/y',
    ]) {
      await store.put(key, 'x');
    }
    const page = await store.list({ prefix: 'logs/', delimiter: '-' });
    expect(page.prefixes).toEqual(['logs/app-', 'logs/web-', 'logs/x-']);
    expect(page.objects.map((o) => o.key)).toEqual(['logs/plain.txt']);
  });

  it('does not report empty folders as prefixes', async () => {
    await mkdir(join(root, 'empty', 'deeper'), { recursive: true });
    await store.put('full/a.txt', 'a');
    expect((await store.list({ delimiter: '/' })).prefixes).toEqual(['full/']);
  });

  it('removes folders a delete leaves empty, up to the root', async () => {
    await store.put('x/y/z/deep.txt', 'deep');
    await store.put('x/keep.txt', 'keep');
    await store.delete('x/y/z/deep.txt');
    expect(existsSync(join(root, 'x', 'y'))).toBe(false);
    expect(existsSync(join(root, 'x', 'keep.txt'))).toBe(true);
    await store.delete('x/keep.txt');
    expect(existsSync(join(root, 'x'))).toBe(false);
    expect(existsSync(root)).toBe(true);
  });

  it('does not follow symlinks out of the root, but follows those inside it', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'lakebox-outside-'));
    try {
      await writeFile(join(outside, 'secret.txt'), 'secret');
      await symlink(outside, join(root, 'escape'));
      await symlink(join(outside, 'secret.txt'), join(root, 'secret-link.txt'));
      await store.put('real/inside.txt', 'inside');
      await symlink(join(root, 'real'), join(root, 'alias'));
      await symlink(root, join(root, 'real', 'loop'));

      expect(await store.head('escape/secret.txt')).toBeUndefined();
      expect(await store.head('secret-link.txt')).toBeUndefined();
      await expect(store.get('escape/secret.txt')).rejects.toMatchObject({
        code: 'OBJECT_NOT_FOUND',
      });
      await expect(store.put('escape/new.txt', 'x')).rejects.toMatchObject({
        code: 'STORAGE_ERROR',
      });
      await store.delete('escape/secret.txt');
      expect(await readdir(outside)).toEqual(['secret.txt']);

      expect((await store.head('alias/inside.txt'))?.size).toBe(6);
      // The symlink back to the root is a cycle, so the walk skips it and ends.
      expect(await keysOf({})).toEqual(['alias/inside.txt', 'real/inside.txt']);
      expect((await store.list({ delimiter: '/' })).prefixes).toEqual(['alias/', 'real/']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('explains that a directory cannot hold both "a" and "a/b"', async () => {
    await store.put('n/a', 'object');
    const error = await store.put('n/a/b', 'nested').catch((e: unknown) => e);
    expect(isLakeError(error, 'STORAGE_ERROR')).toBe(true);
    expect((error as Error).message).toContain('"a/"');
    await store.put('m/x/y', 'nested');
    await expect(store.put('m/x', 'object')).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    expect(await tmpFiles()).toEqual([]);
  });

  it('renames a local file into place when it is on the same filesystem', async () => {
    const local = join(scratch, 'same-fs.bin');
    await writeFile(local, 'same filesystem');
    const inode = (await stat(local)).ino;
    await store.putFile('moved/file.bin', local);
    expect((await stat(join(root, 'moved', 'file.bin'))).ino).toBe(inode);
    expect(existsSync(local)).toBe(false);
  });

  it('moves a batch by rename, copies what is elsewhere, and never writes through an escaping symlink', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'lakebox-outside-'));
    try {
      await symlink(outside, join(root, 'escape'));
      const escaping = join(scratch, 'escaping.bin');
      await writeFile(escaping, 'x');
      await expect(
        store.putFiles([{ key: 'escape/data/x.bin', localPath: escaping }]),
      ).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
      const local = join(scratch, 'a.bin');
      await writeFile(local, 'aaa');
      const inode = (await stat(local)).ino;
      const link = join(scratch, 'link.bin');
      await writeFile(join(scratch, 'target.bin'), 'via a link');
      await symlink(join(scratch, 'target.bin'), link);
      await store.putFiles([
        { key: 'batch/a.bin', localPath: local },
        { key: 'batch/link.bin', localPath: link },
      ]);
      expect((await stat(join(root, 'batch', 'a.bin'))).ino).toBe(inode);
      // A symlink is not renamed in (that would store the link): its target's bytes are copied.
      expect(await readFile(join(root, 'batch', 'link.bin'), 'utf8')).toBe('via a link');
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("stages on the root's filesystem, so a staged file moves in by rename, and says a missing one is missing", async () => {
    const folder = (await store.stagingFolder())!;
    expect(folder.startsWith(join(root, '.lakebox'))).toBe(true);
    const staged = join(folder, 'part-1.parquet');
    await writeFile(staged, 'staged');
    const inode = (await stat(staged)).ino;
    await store.putFiles([{ key: 't/data/part-1.parquet', localPath: staged }]);
    expect((await stat(join(root, 't', 'data', 'part-1.parquet'))).ino).toBe(inode);
    await expect(
      store.putFiles([{ key: 't/data/absent.parquet', localPath: join(folder, 'absent.parquet') }]),
    ).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('absent.parquet'),
    });
    expect(await store.head('t/data/absent.parquet')).toBeUndefined();
  });

  it.skipIf(!existsSync('/dev/shm'))(
    'copies a local file from another filesystem, then removes it',
    async () => {
      const dir = await mkdtemp('/dev/shm/lakebox-');
      try {
        const local = join(dir, 'other-fs.bin');
        await writeFile(local, 'other filesystem');
        const result = await store.putFile('copied/file.bin', local);
        expect(result.size).toBe(16);
        expect(await readFile(join(root, 'copied', 'file.bin'), 'utf8')).toBe('other filesystem');
        expect(existsSync(local)).toBe(false);
        expect(await tmpFiles()).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('skips files whose names cannot be keys', async () => {
    await mkdir(join(root, 'odd'), { recursive: true });
    await writeFile(join(root, 'odd', 'back\\slash'), 'x');
    await writeFile(join(root, 'odd', 'tab\tname'), 'x');
    await store.put('odd/fine', 'x');
    expect(await keysOf({ prefix: 'odd/' })).toEqual(['odd/fine']);
  });

  it('gives ReadCache the file itself, with no copy', async () => {
    await store.put('cached/direct.parquet', 'PAR1');
    const cacheDir = join(scratch, 'cache');
    const cache = new ReadCache(store, { cacheDir });
    expect(await cache.localPath('cached/direct.parquet')).toBe(
      join(root, 'cached', 'direct.parquet'),
    );
    expect(existsSync(cacheDir)).toBe(false);
    await expect(cache.localPath('cached/absent.parquet')).rejects.toMatchObject({
      code: 'OBJECT_NOT_FOUND',
    });
  });
});
