import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { JobService } from '../../src/jobs/job-service.js';
import { Lake } from '../../src/lake.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempLake } from '../support/temp-lake.js';

/**
 * Job runs (not only job records) with the lake's metadata in PostgreSQL, the team setup:
 * the output commit and the bookmark move in one PostgreSQL transaction, and a failed run
 * must leave both untouched there as it does on SQLite.
 */
describe('job runs on PostgreSQL metadata', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const url = await createTestDatabase(inject('postgresUrl'));
    ({ lake, dir, cleanup } = await tempLake({ metadata: postgresMetadata(url) }));
  });
  afterEach(() => cleanup());

  const rows = async (sql: string) => (await lake.query(sql)).rows();

  it('reads only the rows of snapshots added since the bookmark', async () => {
    expect(lake.config.metadata).toMatchObject({ type: 'postgres' });
    await lake.writeTable('sales.orders', {
      sql: 'select range as id, 10 as amount from range(5)',
    });
    await lake.jobs.create('copy_orders', {
      sql: 'select id, amount * 2 as doubled from sales.orders',
      target: 'curated.orders',
      bookmarks: true,
    });
    const first = await lake.jobs.run('copy_orders');
    expect(first).toMatchObject({ status: 'succeeded', metrics: { rowsRead: 5, rowsWritten: 5 } });

    await lake.writeTable('sales.orders', {
      sql: 'select range + 5 as id, 1 as amount from range(3)',
    });
    const second = await lake.jobs.run('copy_orders');
    expect(second.metrics).toMatchObject({ rowsRead: 3, rowsWritten: 3 });
    expect(await rows('select count(*) as n, count(distinct id) as d from curated.orders')).toEqual(
      [{ n: 8, d: 8 }],
    );
    expect(await lake.jobs.bookmark('copy_orders')).toMatchObject([
      { inputTable: 'sales.orders', runId: second.id },
    ]);
    expect(await lake.history('curated.orders')).toHaveLength(2);
  });

  it('merges on a key: updates, inserts and deletes land in one snapshot', async () => {
    await lake.writeTable('curated.stock', { sql: 'select range as id, 0 as qty from range(4)' });
    await lake.writeTable('raw.changes', {
      sql: "select * from (values (1, 5, 'U'), (3, 0, 'D'), (7, 9, 'I')) t(id, qty, op)",
    });
    await lake.jobs.create('apply_changes', {
      sql: 'select id, qty, op from raw.changes',
      target: 'curated.stock',
      mode: 'merge',
      mergeKeys: ['id'],
      deleteWhen: "op = 'D'",
      allowAddColumns: true,
    });
    const run = await lake.jobs.run('apply_changes');
    expect(run).toMatchObject({
      status: 'succeeded',
      metrics: { rowsInserted: 1, rowsUpdated: 1, rowsDeleted: 1 },
    });
    expect(await rows('select id, qty from curated.stock order by id')).toEqual([
      { id: 0, qty: 0 },
      { id: 1, qty: 5 },
      { id: 2, qty: 0 },
      { id: 7, qty: 9 },
    ]);
    expect(await lake.history('curated.stock')).toHaveLength(2);
  });

  it('a failing run commits nothing and leaves the bookmark where it was', async () => {
    await lake.writeTable('sales.orders', { sql: 'select range as id from range(3)' });
    await lake.jobs.create('typed', {
      sql: 'select id from sales.orders',
      target: 'curated.typed',
      bookmarks: true,
    });
    expect((await lake.jobs.run('typed')).status).toBe('succeeded');
    const history = await lake.history('curated.typed');
    const bookmark = await lake.jobs.bookmark('typed');

    // New input rows, but the job now writes a VARCHAR into the BIGINT column: refused at
    // the type check, after the inputs were pinned past the bookmark.
    await lake.writeTable('sales.orders', { sql: 'select 3 as id' });
    await lake.jobs.create('typed', {
      sql: "select 'x' || id as id from sales.orders",
      target: 'curated.typed',
      bookmarks: true,
      replace: true,
    });
    const failed = await lake.jobs.run('typed');
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'SCHEMA_MISMATCH' } });

    await lake.jobs.create('broken', { sql: 'select nope from sales.orders', target: 'curated.x' });
    const broken = await lake.jobs.run('broken');
    expect(broken).toMatchObject({ status: 'failed', error: { code: 'SQL_ERROR' } });
    expect(await lake.services.catalog.findTable('curated.x')).toBeUndefined();

    expect(await lake.history('curated.typed')).toEqual(history);
    expect(await lake.jobs.bookmark('typed')).toEqual(bookmark);
    // Fixed, the job picks up exactly the row the failed run did not commit.
    await lake.jobs.create('typed', {
      sql: 'select id from sales.orders',
      target: 'curated.typed',
      bookmarks: true,
      replace: true,
    });
    expect((await lake.jobs.run('typed')).metrics).toMatchObject({ rowsRead: 1, rowsWritten: 1 });
    expect(await rows('select id from curated.typed order by id')).toEqual([
      { id: 0 },
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
  });

  it('a merge whose commit loses a race plans again and moves the bookmark once', async () => {
    await lake.writeTable('sales.orders', { sql: 'select range as id from range(3)' });
    await lake.writeTable('curated.orders', { sql: 'select (-1)::bigint as id' });
    // A second JobService needs its own executor (one handler per run kind): open again.
    await lake.close();
    lake = await Lake.open(dir);
    const attempts: string[] = [];
    const jobs = new JobService(lake.services, {
      hooks: {
        // Another writer commits to the target between this run's staging and its commit,
        // once: the first commit attempt must conflict in PostgreSQL's conditional update.
        beforeCommit: async ({ runId }) => {
          attempts.push(runId);
          if (attempts.length === 1)
            await lake.writeTable('curated.orders', { sql: 'select 100::bigint as id' });
        },
      },
    });
    await jobs.create('copy_orders', {
      sql: 'select id from sales.orders',
      target: 'curated.orders',
      mode: 'merge',
      mergeKeys: ['id'],
      bookmarks: true,
    });
    const run = await jobs.run('copy_orders');
    expect(run).toMatchObject({ status: 'succeeded', metrics: { rowsRead: 3, rowsInserted: 3 } });
    expect(await rows('select id from curated.orders order by id')).toEqual([
      { id: -1 },
      { id: 0 },
      { id: 1 },
      { id: 2 },
      { id: 100 },
    ]);
    // The merge planned and committed again inside the run, from the same pinned input.
    expect(attempts).toEqual([run.id, run.id]);
    expect(run.attempt).toBe(1);
    // One bookmark entry, from the commit that landed.
    expect(await jobs.bookmark('copy_orders')).toMatchObject([{ runId: run.id }]);
    expect(
      await lake.services.db.selectFrom('lb_job_bookmark_entry').selectAll().execute(),
    ).toHaveLength(1);
    expect((await jobs.run('copy_orders')).metrics).toMatchObject({ rowsRead: 0, rowsWritten: 0 });
  });
});
