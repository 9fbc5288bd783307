import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { TEAM_LAKE_ENV, teamLakeOptions } from '../support/team-lake.js';

/** The team setup of ARCHITECTURE.md: zones on an S3 API, metadata in PostgreSQL. */
describe('a lake on S3 storage and PostgreSQL metadata', () => {
  let s3: S3TestServer;
  let dir: string;
  const env = TEAM_LAKE_ENV;

  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'team-lake' });
    dir = await mkdtemp(join(tmpdir(), 'lakebox-team-'));
  });
  afterAll(async () => {
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes, queries through the ETag cache, time-travels and vacuums', async () => {
    const options = await teamLakeOptions(s3, 'lake');
    const lake = await Lake.init(join(dir, 'a'), options, { env });
    try {
      const first = await lake.writeTable('sales.orders', [
        { id: 1, amount: 10 },
        { id: 2, amount: 20 },
      ]);
      await lake.writeTable('sales.orders', [{ id: 3, amount: 30 }]);
      expect(lake.services.store.location).toBe('s3://team-lake/lake');
      const [file] = await lake.services.catalog.files(
        await lake.services.catalog.getTable('sales.orders'),
      );
      expect(await lake.services.store.head(file!.path)).toMatchObject({ size: file!.fileSize });

      expect((await lake.query('select sum(amount) as total from sales.orders')).rows()).toEqual([
        { total: 60 },
      ]);
      expect(
        (
          await lake.query('select sum(amount) as total from sales.orders', {
            asOf: first.snapshot.id,
          })
        ).rows(),
      ).toEqual([{ total: 30 }]);

      // A second lake directory on the same storage and metadata sees the same tables: the
      // config (as written, secrets by reference) is all a new machine needs.
      const other = await Lake.init(join(dir, 'b'), options, { env });
      try {
        expect((await other.query('select count(*) as n from sales.orders')).rows()).toEqual([
          { n: 3 },
        ]);
        await other.writeTable('sales.orders', [{ id: 4, amount: 40 }]);
      } finally {
        await other.close();
      }
      expect((await lake.query('select count(*) as n from sales.orders')).rows()).toEqual([
        { n: 4 },
      ]);

      await lake.dropTable('sales.orders');
      const vacuum = await lake.vacuum({ graceMs: 0 });
      expect(vacuum.metrics['deletedFiles']).toBe(3);
      expect(await lake.services.store.head(file!.path)).toBeUndefined();
    } finally {
      await lake.close();
    }
  });

  it('fails in one line naming the endpoint when the S3 server is unreachable', async () => {
    const lake = await Lake.init(
      join(dir, 'c'),
      {
        storage: {
          type: 's3',
          uri: 's3://team-lake/x',
          endpoint: 'http://127.0.0.1:9',
          region: 'us-east-1',
          accessKeyId: 'S3RVER',
          secretAccessKey: 'S3RVER',
          forcePathStyle: true,
        },
      },
      { env },
    );
    try {
      const error = await lake.writeTable('t.x', [{ a: 1 }]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'STORAGE_UNREACHABLE' });
      expect((error as Error).message).toContain('127.0.0.1:9');
    } finally {
      await lake.close();
    }
  });
});
