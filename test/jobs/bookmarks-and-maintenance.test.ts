import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

const count = async (lake: Lake, table: string) =>
  (await lake.query(`select count(*) as n, sum(id) as s from ${table}`)).rows()[0] as {
    n: number;
    s: number;
  };

/** Bookmarks survive the maintenance of their inputs: compaction, expiry, vacuum. */
describe('job bookmarks and table maintenance', () => {
  let lake: Lake;
  let cleanup: () => Promise<void>;
  let batch = 0;
  const append = () =>
    lake.writeTable(
      'raw.orders',
      { sql: `select ${batch++} * 100 + range as id, (range % 2)::integer as part from range(10)` },
      { partitionBy: ['part'] },
    );

  beforeEach(async () => {
    ({ lake, cleanup } = await tempLake());
    batch = 0;
    for (let i = 0; i < 3; i++) await append();
    await lake.jobs.create('copy_orders', {
      sql: 'select id, part from raw.orders',
      target: 'curated.orders',
      bookmarks: true,
    });
    expect((await lake.jobs.run('copy_orders')).metrics).toMatchObject({ rowsWritten: 30 });
  });
  afterEach(() => cleanup());

  it('does not read compacted rows again, and still reads what came after the bookmark', async () => {
    const compacted = await lake.jobs.compact('raw.orders');
    expect(compacted.metrics).toMatchObject({ filesRemoved: 6, filesWritten: 2 });
    const idle = await lake.jobs.run('copy_orders');
    expect(idle).toMatchObject({ status: 'succeeded', metrics: { rowsRead: 0, rowsWritten: 0 } });
    expect(await count(lake, 'curated.orders')).toEqual(await count(lake, 'raw.orders'));

    // New rows, compacted together with old ones before the job runs: the new ones are read
    // once, the old ones not again.
    await append();
    await append();
    const second = await lake.jobs.compact('raw.orders');
    expect(second).toMatchObject({ status: 'succeeded' });
    const next = await lake.jobs.run('copy_orders');
    expect(next.metrics).toMatchObject({ rowsWritten: 20 });
    expect(await count(lake, 'curated.orders')).toEqual(await count(lake, 'raw.orders'));
    expect((await count(lake, 'curated.orders')).n).toBe(50);
    // Once the bookmark has read them, a compaction merges the new files with the old ones.
    const third = await lake.jobs.compact('raw.orders');
    expect(third.metrics).toMatchObject({ filesWritten: 2 });
    expect(
      (await lake.services.catalog.files(await lake.services.catalog.getTable('raw.orders')))
        .length,
    ).toBe(2);
    expect((await lake.jobs.run('copy_orders')).metrics).toMatchObject({ rowsWritten: 0 });
  });

  it('survives snapshot expiry and vacuum of its input', async () => {
    await lake.jobs.compact('raw.orders');
    await append();
    const expired = await lake.jobs.expireSnapshots('raw.orders', {
      olderThan: new Date(Date.now() + 60_000),
    });
    expect(expired.metrics['expiredSnapshots']).toBeGreaterThan(0);
    await lake.jobs.vacuumTable('raw.orders', { graceMs: 0 });
    const run = await lake.jobs.run('copy_orders');
    expect(run.metrics).toMatchObject({ rowsWritten: 10 });
    expect(await count(lake, 'curated.orders')).toEqual(await count(lake, 'raw.orders'));
    expect((await lake.jobs.run('copy_orders')).metrics).toMatchObject({ rowsWritten: 0 });
  });
});
