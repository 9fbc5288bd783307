import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

describe('table maintenance as runs', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
    for (let i = 0; i < 4; i++) {
      await lake.writeTable(
        'shop.orders',
        {
          sql: `select ${i} * 10 + range as id, DATE '2026-01-01' + (range % 2)::integer as day from range(10)`,
        },
        { partitionBy: ['day'] },
      );
    }
  });
  afterEach(() => cleanup());

  const table = () => lake.services.catalog.getTable('shop.orders');

  it('compacts small files per partition into one snapshot, rows unchanged', async () => {
    const before = (await lake.query('select sum(id) as s, count(*) as n from shop.orders')).rows();
    expect(await lake.services.catalog.files(await table())).toHaveLength(8);
    const run = await lake.jobs.compact('shop.orders');
    expect(run).toMatchObject({
      kind: 'compact',
      status: 'succeeded',
      metrics: { partitionsCompacted: 2, filesRemoved: 8, filesWritten: 2, rowsRewritten: 40 },
    });
    const files = await lake.services.catalog.files(await table());
    expect(files.map((f) => f.partitionValues['day']).sort()).toEqual(['2026-01-01', '2026-01-02']);
    expect(
      (await lake.query('select sum(id) as s, count(*) as n from shop.orders')).rows(),
    ).toEqual(before);
    expect((await lake.history('shop.orders'))[0]!.operation).toBe('compact');
    const again = await lake.jobs.compact('shop.orders');
    expect(again.metrics).toMatchObject({ partitionsCompacted: 0 });
    expect(await lake.history('shop.orders')).toHaveLength(5);
  });

  it('expires old snapshots so that vacuum deletes the files only they referenced', async () => {
    await lake.jobs.compact('shop.orders');
    const old = (await lake.services.catalog.files(await table(), 4))[0]!;
    const kept = await lake.jobs.vacuumTable('shop.orders', { graceMs: 0 });
    expect(kept.metrics['deletedFiles']).toBe(0); // time travel still reads them
    expect(existsSync(join(dir, old.path))).toBe(true);

    const expire = await lake.jobs.expireSnapshots('shop.orders', {
      olderThan: new Date(Date.now() + 60_000),
    });
    expect(expire).toMatchObject({ kind: 'expire-snapshots', metrics: { expiredSnapshots: 4 } });
    await expect(lake.query('select count(*) from shop.orders', { asOf: 4 })).rejects.toMatchObject(
      { code: 'SNAPSHOT_EXPIRED', details: { snapshotId: 4, oldestReadable: 5 } },
    );
    const vacuum = await lake.jobs.vacuumTable('shop.orders', { graceMs: 0 });
    expect(vacuum).toMatchObject({ kind: 'vacuum', metrics: { deletedFiles: 8 } });
    expect(existsSync(join(dir, old.path))).toBe(false);
    expect((await lake.query('select count(*) as n from shop.orders')).rows()).toEqual([{ n: 40 }]);
  });

  it('marks expired snapshots in the history and says which one is the oldest readable', async () => {
    await lake.jobs.compact('shop.orders');
    await lake.jobs.expireSnapshots('shop.orders', { olderThan: new Date(Date.now() + 60_000) });
    const history = await lake.history('shop.orders');
    expect(history.map((s) => [s.id, s.expiredAt !== null])).toEqual([
      [5, false],
      [4, true],
      [3, true],
      [2, true],
      [1, true],
    ]);
    const error = await lake.query('select 1 from shop.orders', { asOf: 2 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'SNAPSHOT_EXPIRED' });
    expect(error.message).toMatch(
      /snapshot 2, which was expired .* the oldest readable is snapshot 5/,
    );
    const time = history[1]!.committedAt;
    await expect(lake.query('select 1 from shop.orders', { asOf: time })).rejects.toMatchObject({
      code: 'SNAPSHOT_EXPIRED',
      details: { snapshotId: 4 },
    });
  });

  it('refuses an as-of past the latest snapshot or in the future instead of reading current data', async () => {
    await expect(lake.query('select 1 from shop.orders', { asOf: 99999 })).rejects.toMatchObject({
      code: 'SNAPSHOT_IN_FUTURE',
      details: { latest: 4 },
    });
    await expect(
      lake.query('select 1 from shop.orders', { asOf: new Date(Date.now() + 3_600_000) }),
    ).rejects.toMatchObject({ code: 'SNAPSHOT_IN_FUTURE' });
    // The latest id and the present still read.
    expect((await lake.query('select count(*) as n from shop.orders', { asOf: 4 })).rows()).toEqual(
      [{ n: 40 }],
    );
    expect(
      (await lake.query('select count(*) as n from shop.orders', { asOf: new Date() })).rows(),
    ).toEqual([{ n: 40 }]);
  });

  it('refuses maintenance of a table that does not exist', async () => {
    await expect(lake.jobs.compact('shop.nope')).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });
});
