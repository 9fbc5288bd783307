import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { Lake } from '../../src/lake.js';
import { S3ObjectStore } from '../../src/storage/s3-store.js';
import { createTestDatabase, freePort, postgresMetadata } from '../support/postgres-server.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { tempDir, tempLake } from '../support/temp-lake.js';
import { checksums } from './sync-support.js';

const NAMES = [
  'plain.txt',
  'with space.txt',
  'ünïcødé/日本語.csv',
  'hash#.txt',
  'percent%41.txt',
  'question?.txt',
  'empty.bin',
];

describe('sync with S3 (s3rver) and PostgreSQL metadata', () => {
  let server: S3TestServer;
  let lake: Lake;
  let src: string;
  let out: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    server = await startS3Server({ bucket: 'sync-bucket' });
    const url = await createTestDatabase(inject('postgresUrl'));
    const made = await tempLake({ metadata: postgresMetadata(url) });
    lake = made.lake;
    const files = await tempDir('lakebox-sync-s3-');
    src = join(files.dir, 'src');
    out = join(files.dir, 'out');
    cleanups.push(made.cleanup, files.cleanup, () => server.stop());
    for (const [i, name] of NAMES.entries()) {
      await mkdir(join(src, name, '..'), { recursive: true });
      await writeFile(join(src, name), name === 'empty.bin' ? '' : `${name} ${i}`.repeat(100));
    }
    process.env['SYNC_TEST_KEY'] = server.credentials.accessKeyId;
    process.env['SYNC_TEST_SECRET'] = server.credentials.secretAccessKey;
  }, 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  const s3 = () => ({
    endpoint: server.endpoint,
    accessKeyId: '${env:SYNC_TEST_KEY}',
    secretAccessKey: '${env:SYNC_TEST_SECRET}',
  });

  it('verifies an upload by the ETag S3 returns, reading back only what it cannot vouch for', async () => {
    const gets = vi.spyOn(S3ObjectStore.prototype, 'get');
    try {
      const up = await lake.sync.wait(
        (await lake.sync.startCopy({ from: src, to: 's3://sync-bucket/etag', s3: s3() })).id,
      );
      expect(up).toMatchObject({
        status: 'succeeded',
        filesTransferred: NAMES.length,
        filesVerified: NAMES.length,
      });
      expect(gets).not.toHaveBeenCalled();
      // Files that did not move have no ETag foreseen: verify "all" reads them back.
      const all = await lake.sync.wait(
        (
          await lake.sync.startCopy({
            from: src,
            to: 's3://sync-bucket/etag',
            s3: s3(),
            options: { verify: 'all' },
          })
        ).id,
      );
      expect(all).toMatchObject({ status: 'succeeded', filesVerified: NAMES.length });
      expect(gets).toHaveBeenCalledTimes(NAMES.length);
    } finally {
      gets.mockRestore();
    }
  });

  it('copies a local tree to S3 and back, names intact, incrementally, never storing the secret', async () => {
    await lake.sync.createTask('up', {
      from: src,
      to: 's3://sync-bucket/in',
      s3: s3(),
      options: { verify: 'all' },
    });
    const up = await lake.sync.wait((await lake.sync.start('up')).id);
    expect(up).toMatchObject({
      status: 'succeeded',
      filesTransferred: NAMES.length,
      filesVerified: NAMES.length,
    });
    const again = await lake.sync.wait((await lake.sync.start('up')).id);
    expect(again).toMatchObject({
      status: 'succeeded',
      filesTransferred: 0,
      filesSkipped: NAMES.length,
    });
    const run = await lake.runs.get(up.id);
    expect(JSON.stringify(run)).not.toContain(server.credentials.secretAccessKey + '"');
    expect(JSON.stringify(await lake.sync.getTask('up'))).toContain('${env:SYNC_TEST_SECRET}');

    const down = await lake.sync.wait(
      (await lake.sync.startCopy({ from: 's3://sync-bucket/in', to: out, s3: s3() })).id,
    );
    expect(down).toMatchObject({ status: 'succeeded', filesTransferred: NAMES.length });
    expect(await checksums(out)).toEqual(await checksums(src));

    const intoLake = await lake.sync.wait(
      (
        await lake.sync.startCopy({
          from: 's3://sync-bucket/in',
          to: 'lake://raw/from-s3',
          s3: s3(),
        })
      ).id,
    );
    expect(intoLake).toMatchObject({ status: 'succeeded', filesTransferred: NAMES.length });
    expect(await readFile(join(lake.dir, 'raw/from-s3/ünïcødé/日本語.csv'), 'utf8')).toBe(
      await readFile(join(src, 'ünïcødé/日本語.csv'), 'utf8'),
    );
    const events = await lake.listEvents({
      type: 'object.created',
      subject: 'raw/from-s3/question?.txt',
    });
    expect(events).toHaveLength(1);
  });

  it('fails at once with one clear error naming the endpoint when S3 is unreachable, without retrying', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const execution = await lake.sync.wait(
      (
        await lake.sync.startCopy({
          from: src,
          to: 's3://sync-bucket/x',
          s3: { ...s3(), endpoint },
        })
      ).id,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(execution).toMatchObject({
      status: 'failed',
      filesTransferred: 0,
      filesFailed: 0,
      error: { code: 'STORAGE_UNREACHABLE' },
    });
    expect(execution.error!.message).toContain(endpoint);
    expect(
      (await lake.runs.list({ kind: 'sync' })).filter((r) => r.retryOf === execution.id),
    ).toEqual([]);
  });

  it('fails with STORAGE_ACCESS_DENIED for wrong credentials, naming the key id and never the secret', async () => {
    process.env['SYNC_WRONG_KEY'] = 'NOT-A-KEY';
    process.env['SYNC_WRONG_SECRET'] = 'very-secret-value';
    const execution = await lake.sync.wait(
      (
        await lake.sync.startCopy({
          from: 's3://sync-bucket/in',
          to: out,
          s3: {
            endpoint: server.endpoint,
            accessKeyId: '${env:SYNC_WRONG_KEY}',
            secretAccessKey: '${env:SYNC_WRONG_SECRET}',
          },
        })
      ).id,
    );
    expect(execution).toMatchObject({ status: 'failed', error: { code: 'STORAGE_ACCESS_DENIED' } });
    expect(execution.error!.message).toContain('NOT-A-KEY');
    expect(execution.error!.message).toContain(server.endpoint);
    expect(JSON.stringify(await lake.runs.logs(execution.id))).not.toContain('very-secret-value');
    expect(execution.error!.message).not.toContain('very-secret-value');

    const unset = await lake.sync.wait(
      (
        await lake.sync.startCopy({
          from: 's3://sync-bucket/in',
          to: out,
          s3: { accessKeyId: 'x', secretAccessKey: '${env:SYNC_UNSET_VAR}' },
        })
      ).id,
    );
    expect(unset).toMatchObject({ status: 'failed', error: { code: 'INVALID_CONFIG' } });
    expect(unset.error!.message).toContain('SYNC_UNSET_VAR');
  });
});
