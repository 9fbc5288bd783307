import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openObjectStore } from '../../src/storage/open-store.js';

describe('openObjectStore', () => {
  it('opens a local directory as the fs backend', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lakebox-open-'));
    try {
      const store = await openObjectStore({ type: 'local', path: dir });
      expect(store.kind).toBe('fs');
      await store.put('a.txt', 'a');
      expect(store.localPath('a.txt')).toBe(join(dir, 'a.txt'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens a bucket as the S3 backend', async () => {
    const store = await openObjectStore({
      type: 's3',
      bucket: 'lake',
      prefix: 'prod/',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
    });
    expect(store.kind).toBe('s3');
    expect(store.location).toBe('s3://lake/prod');
    await store.close();
  });

  it('refuses an access key id without its secret', async () => {
    await expect(
      openObjectStore({
        type: 's3',
        bucket: 'lake',
        prefix: '',
        region: 'eu-west-1',
        accessKeyId: 'AKIA',
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });

  it('loads the AWS SDK only when an S3 store is opened', async () => {
    // A fresh process: the test runner's own module graph says nothing about start-up cost.
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('@aws-sdk'));
      const { openObjectStore } = await import('./src/storage/index.ts');
      const before = loaded();
      await openObjectStore({ type: 'local', path: process.argv[1] });
      const afterLocal = loaded();
      const store = await openObjectStore({ type: 's3', bucket: 'b', prefix: '', region: 'us-east-1' });
      await store.close();
      console.log(JSON.stringify({ before, afterLocal, afterS3: loaded() }));
    `;
    const dir = await mkdtemp(join(tmpdir(), 'lakebox-open-'));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', script, dir],
        { cwd: join(import.meta.dirname, '..', '..') },
      );
      expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toEqual({
        before: false,
        afterLocal: false,
        afterS3: true,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
