import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

describe('write modes: overwrite-partitions and merge', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
    await lake.writeTable(
      'shop.orders',
      {
        sql: "select range as id, 'new' as status, range * 10 as amount, DATE '2026-01-01' + (range % 4)::integer as day from range(40)",
      },
      { partitionBy: ['day'] },
    );
  });
  afterEach(() => cleanup());

  const files = async () =>
    lake.services.catalog.files(await lake.services.catalog.getTable('shop.orders'));

  it('replaces only the partitions present in the data', async () => {
    const before = await files();
    const result = await lake.writeTable(
      'shop.orders',
      [{ id: 1000, status: 'redo', amount: 1, day: '2026-01-02' }],
      { mode: 'overwrite-partitions' },
    );
    expect(result).toMatchObject({ filesRemoved: 1, rowsRemoved: 10, rowsWritten: 1 });
    const after = await files();
    expect(after.filter((f) => f.partitionValues['day'] !== '2026-01-02').map((f) => f.id)).toEqual(
      before.filter((f) => f.partitionValues['day'] !== '2026-01-02').map((f) => f.id),
    );
    expect(
      (await lake.query("select count(*) as n from shop.orders where day = '2026-01-02'")).rows(),
    ).toEqual([{ n: 1 }]);
    expect((await lake.query('select count(*) as n from shop.orders')).rows()).toEqual([{ n: 31 }]);
  });

  it('merges inserts, updates and deletes by key, rewriting only the files that hold a changed key', async () => {
    const before = await files();
    const result = await lake
      .writeTable(
        'shop.orders',
        [
          { id: 1, status: 'paid', amount: 11, day: '2026-01-02', op: 'U' }, // update in partition 01-02
          { id: 5, status: 'gone', amount: 0, day: '2026-01-02', op: 'D' }, // delete in partition 01-02
          { id: 99, status: 'new', amount: 5, day: '2026-01-02', op: 'I' }, // insert
        ],
        { mode: 'merge', mergeKeys: ['id', 'day'], deleteWhen: "op = 'D'", addColumns: false },
      )
      .catch((e: unknown) => e);
    // The source has a column the table lacks: refused until the caller drops it.
    expect(result).toMatchObject({ code: 'SCHEMA_MISMATCH' });

    const merged = await lake.writeTable(
      'shop.orders',
      {
        sql: `select * exclude (op) from (values
                (1, 'paid', 11, DATE '2026-01-02', 'U'),
                (5, 'gone', 0, DATE '2026-01-02', 'D'),
                (99, 'new', 5, DATE '2026-01-02', 'I')) v(id, status, amount, day, op)
              where true`,
      },
      { mode: 'merge', mergeKeys: ['id', 'day'] },
    );
    expect(merged.merge).toEqual({ inserted: 1, updated: 2, deleted: 0 });
    // Only the one file of partition 2026-01-02 (ids 1, 5, 9, ...) was rewritten.
    expect(merged.filesRemoved).toBe(1);
    const after = await files();
    const untouched = before
      .filter((f) => f.partitionValues['day'] !== '2026-01-02')
      .map((f) => f.id);
    expect(after.filter((f) => untouched.includes(f.id))).toHaveLength(3);

    const withDeletes = await lake
      .writeTable(
        'shop.orders',
        {
          sql: "select 5 as id, 'x' as status, 0 as amount, DATE '2026-01-02' as day, true as is_delete",
        },
        { mode: 'merge', mergeKeys: ['id', 'day'], deleteWhen: 'is_delete', addColumns: false },
      )
      .catch((e: unknown) => e);
    expect(withDeletes).toMatchObject({ code: 'SCHEMA_MISMATCH' });

    const byOperation = await lake.writeTable(
      'shop.orders',
      { sql: "select 9 as id, 'x' as status, 0 as amount, DATE '2026-01-02' as day, 'D' as _op" },
      { mode: 'merge', mergeKeys: ['id', 'day'], deleteWhen: "_op = 'D'", excludeColumns: ['_op'] },
    );
    expect(byOperation.merge).toEqual({ inserted: 0, updated: 0, deleted: 1 });
    expect(
      (await lake.describeTable('shop.orders')).schema.columns.map((c) => c.name),
    ).not.toContain('_op');

    const deletion = await lake.writeTable(
      'shop.orders',
      { sql: "select 5 as id, 'D' as status, 0 as amount, DATE '2026-01-02' as day" },
      { mode: 'merge', mergeKeys: ['id', 'day'], deleteWhen: "status = 'D'" },
    );
    expect(deletion.merge).toEqual({ inserted: 0, updated: 0, deleted: 1 });
    const rows = await lake.query(
      'select id, status, amount from shop.orders where id in (1, 5, 99) order by id',
    );
    expect(rows.rows()).toEqual([
      { id: 1, status: 'paid', amount: 11 },
      { id: 99, status: 'new', amount: 5 },
    ]);
    expect((await lake.query('select count(*) as n from shop.orders')).rows()).toEqual([{ n: 39 }]);
    expect((await lake.history('shop.orders'))[0]).toMatchObject({ operation: 'merge' });
  });

  it('merges rows that bring a new column when asked to add it; untouched rows read it as NULL', async () => {
    const merged = await lake.writeTable(
      'shop.orders',
      {
        sql: "select 3 as id, 'paid' as status, 30 as amount, DATE '2026-01-04' as day, 'vip' as note",
      },
      { mode: 'merge', mergeKeys: ['id', 'day'], addColumns: true },
    );
    expect(merged.merge).toEqual({ inserted: 0, updated: 1, deleted: 0 });
    const rows = await lake.query(
      'select id, note from shop.orders where id in (3, 7) order by id',
    );
    expect(rows.rows()).toEqual([
      { id: 3, note: 'vip' },
      { id: 7, note: null },
    ]);
    const compacted = await lake.writeTable(
      'shop.orders',
      { sql: "select 7 as id, 'paid' as status, 70 as amount, DATE '2026-01-04' as day" },
      { mode: 'merge', mergeKeys: ['id', 'day'] },
    );
    expect(compacted.merge?.updated).toBe(1);
    expect(
      (await lake.query('select count(*) as n, count(note) as notes from shop.orders')).rows(),
    ).toEqual([{ n: 40, notes: 1 }]);
  });

  it('refuses duplicate and NULL keys and a delete condition that is not one expression', async () => {
    await expect(
      lake.writeTable(
        'shop.orders',
        [
          { id: 7, day: '2026-01-04' },
          { id: 7, day: '2026-01-04' },
        ],
        { mode: 'merge', mergeKeys: ['id', 'day'] },
      ),
    ).rejects.toMatchObject({
      code: 'DUPLICATE_MERGE_KEY',
      message: expect.stringContaining('id=7'),
    });
    await expect(
      lake.writeTable('shop.orders', [{ id: null, day: '2026-01-04' }], {
        mode: 'merge',
        mergeKeys: ['id', 'day'],
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('NULL key'),
    });
    await expect(
      lake.writeTable('shop.orders', [{ id: 1, day: '2026-01-02' }], {
        mode: 'merge',
        mergeKeys: ['nope'],
      }),
    ).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringContaining('"nope"'),
    });
    await expect(
      lake.writeTable('shop.orders', [{ id: 1, day: '2026-01-02' }], {
        mode: 'merge',
        mergeKeys: ['id'],
        deleteWhen: 'false); drop table x; --',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      lake.writeTable('shop.orders', [{ id: 1 }], { mode: 'merge' }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await lake.history('shop.orders')).toHaveLength(1);
  });

  it('lands two racing merges on one table without losing either update', async () => {
    const other = await Lake.open(dir);
    try {
      const results = await Promise.all([
        lake.writeTable(
          'shop.orders',
          { sql: "select 2 as id, 'from-a' as status, 1 as amount, DATE '2026-01-03' as day" },
          { mode: 'merge', mergeKeys: ['id'] },
        ),
        other.writeTable(
          'shop.orders',
          { sql: "select 6 as id, 'from-b' as status, 2 as amount, DATE '2026-01-03' as day" },
          { mode: 'merge', mergeKeys: ['id'] },
        ),
      ]);
      expect(results.map((r) => r.merge?.updated)).toEqual([1, 1]);
      const rows = await lake.query(
        'select id, status from shop.orders where id in (2, 6) order by id',
      );
      expect(rows.rows()).toEqual([
        { id: 2, status: 'from-a' },
        { id: 6, status: 'from-b' },
      ]);
      expect((await lake.query('select count(*) as n from shop.orders')).rows()).toEqual([
        { n: 40 },
      ]);
    } finally {
      await other.close();
    }
  });
});
