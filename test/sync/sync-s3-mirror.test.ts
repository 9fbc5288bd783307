import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { openObjectStore } from '../../src/storage/open-store.js';
import { listAll, type ObjectStore } from '../../src/storage/object-store.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

// Mirroring deletes, so each case surrounds the task's files with keys a careless mirror
// would take too: a sibling prefix that shares the task prefix's leading characters, another
// prefix altogether, and files inside the prefix that the globs leave out.
describe('sync "deleted: mirror" with S3 (s3rver)', () => {
  let server: S3TestServer;
  let bucket: ObjectStore;
  let lake: Lake;
  let lakeDir: string;
  let src: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    server = await startS3Server({ bucket: 'mirror-bucket' });
    cleanups.push(() => server.stop());
    bucket = await openObjectStore({
      type: 's3',
      bucket: 'mirror-bucket',
      prefix: '',
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      ...server.credentials,
    });
    cleanups.push(() => bucket.close());
    const made = await tempLake();
    const files = await tempDir('lakebox-sync-mirror-');
    lake = made.lake;
    lakeDir = made.dir;
    src = files.dir;
    cleanups.push(made.cleanup, files.cleanup);
    process.env['MIRROR_TEST_KEY'] = server.credentials.accessKeyId;
    process.env['MIRROR_TEST_SECRET'] = server.credentials.secretAccessKey;
  }, 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const s3 = () => ({
    endpoint: server.endpoint,
    accessKeyId: '${env:MIRROR_TEST_KEY}',
    secretAccessKey: '${env:MIRROR_TEST_SECRET}',
  });
  const keys = async (prefix = '') => {
    const found: string[] = [];
    for await (const object of listAll(bucket, prefix)) found.push(object.key);
    return found.sort();
  };
  const filters = { include: ['**/*.csv'], exclude: ['tmp/**'] };

  it('deletes at an S3 destination only what left the source, within the prefix and the globs; "keep" deletes nothing', async () => {
    const local = join(src, 'to-s3');
    await mkdir(join(local, 'keep'), { recursive: true });
    await mkdir(join(local, 'logs'), { recursive: true });
    for (const path of ['keep/a.csv', 'keep/b.csv', 'gone.csv', 'logs/x.csv'])
      await writeFile(join(local, path), path);
    const outside = [
      'task/in2/gone.csv', // a sibling prefix: `task/in` is a string prefix of it
      'task/inbox.csv',
      'other/gone.csv',
      'task/in/tmp/only-here.csv', // excluded by the globs
      'task/in/readme.txt', // not included by the globs
    ];
    for (const key of outside) await bucket.put(key, key);

    await lake.sync.createTask('to-s3', {
      from: local,
      to: 's3://mirror-bucket/task/in',
      s3: s3(),
      ...filters,
      options: { deleted: 'mirror' },
    });
    const first = await lake.sync.wait((await lake.sync.start('to-s3')).id);
    expect(first).toMatchObject({ status: 'succeeded', filesTransferred: 4, filesDeleted: 0 });

    await rm(join(local, 'gone.csv'));
    await rm(join(local, 'logs'), { recursive: true });
    const kept = await lake.sync.wait(
      (
        await lake.sync.startCopy({
          from: local,
          to: 's3://mirror-bucket/task/in',
          s3: s3(),
          ...filters,
          options: { deleted: 'keep' },
        })
      ).id,
    );
    expect(kept).toMatchObject({ status: 'succeeded', filesDeleted: 0, filesTransferred: 0 });
    expect(await keys('task/in/')).toContain('task/in/gone.csv');
    expect(await keys('task/in/')).toContain('task/in/logs/x.csv');

    const mirrored = await lake.sync.wait((await lake.sync.start('to-s3')).id);
    expect(mirrored).toMatchObject({ status: 'succeeded', filesDeleted: 2, filesFailed: 0 });
    const report = await lake.sync.report(mirrored.id);
    expect(report.map((r) => [r.path, r.outcome]).sort()).toEqual([
      ['gone.csv', 'deleted'],
      ['logs/x.csv', 'deleted'],
    ]);
    expect(await keys()).toEqual([...outside, 'task/in/keep/a.csv', 'task/in/keep/b.csv'].sort());
  });

  it('deletes in the lake what left an S3 source, announcing each deletion; "keep" deletes nothing', async () => {
    for (const key of ['src/data/a.csv', 'src/data/b.csv', 'src/old.csv', 'src/tmp/x.csv'])
      await bucket.put(key, key);
    await bucket.put('src2/stray.csv', 'a sibling prefix, never part of the source');
    const dest = join(lakeDir, 'raw/from-s3');
    await mkdir(join(dest, 'tmp'), { recursive: true });
    await writeFile(join(dest, 'tmp/local-only.csv'), 'excluded by the globs');
    await writeFile(join(dest, 'manual.txt'), 'not included by the globs');

    const spec = { from: 's3://mirror-bucket/src', to: 'lake://raw/from-s3', s3: s3(), ...filters };
    const first = await lake.sync.wait(
      (await lake.sync.startCopy({ ...spec, options: { deleted: 'mirror' } })).id,
    );
    expect(first).toMatchObject({ status: 'succeeded', filesTransferred: 3, filesDeleted: 0 });
    expect(existsSync(join(dest, 'stray.csv'))).toBe(false);

    await bucket.delete('src/old.csv');
    await bucket.delete('src/data/b.csv');
    const kept = await lake.sync.wait(
      (await lake.sync.startCopy({ ...spec, options: { deleted: 'keep' } })).id,
    );
    expect(kept).toMatchObject({ status: 'succeeded', filesDeleted: 0 });
    expect(existsSync(join(dest, 'old.csv'))).toBe(true);

    const mirrored = await lake.sync.wait(
      (await lake.sync.startCopy({ ...spec, options: { deleted: 'mirror' } })).id,
    );
    expect(mirrored).toMatchObject({ status: 'succeeded', filesDeleted: 2, filesFailed: 0 });
    expect(
      (await lake.sync.report(mirrored.id, { outcome: 'deleted' })).map((r) => r.path).sort(),
    ).toEqual(['data/b.csv', 'old.csv']);
    expect(existsSync(join(dest, 'old.csv'))).toBe(false);
    expect(existsSync(join(dest, 'data/b.csv'))).toBe(false);
    expect(existsSync(join(dest, 'data/a.csv'))).toBe(true);
    expect(existsSync(join(dest, 'tmp/local-only.csv'))).toBe(true);
    expect(existsSync(join(dest, 'manual.txt'))).toBe(true);
    const deleted = await lake.listEvents({ type: 'object.removed' });
    expect(deleted.map((e) => e.subject).sort()).toEqual([
      'raw/from-s3/data/b.csv',
      'raw/from-s3/old.csv',
    ]);
  });
});
