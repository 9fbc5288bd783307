import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

describe('lake query and writes (embedded: local directory + SQLite)', () => {
  let lake: Lake;
  let dir: string;
  let files: string;
  let cleanup: Array<() => Promise<void>>;

  beforeEach(async () => {
    const made = await tempLake();
    const scratch = await tempDir();
    lake = made.lake;
    dir = made.dir;
    files = scratch.dir;
    cleanup = [made.cleanup, scratch.cleanup];
  });
  afterEach(async () => {
    for (const fn of cleanup) await fn();
  });

  it('creates the zones at init', () => {
    for (const zone of ['raw', 'processed', 'curated', 'models', 'artifacts'])
      expect(existsSync(join(dir, zone))).toBe(true);
    expect(lake.zones().map((z) => z.zone)).toEqual([
      'raw',
      'processed',
      'curated',
      'models',
      'artifacts',
    ]);
  });

  it('writes records, creates the table with the inferred schema, and queries it as rows and Arrow', async () => {
    const result = await lake.writeTable('sales.orders', [
      { id: 1, customer: 'ann', amount: 10.5, paid: true },
      { id: 2, customer: 'bob', amount: 20, paid: false },
      { id: 3, customer: 'ann', amount: null, paid: true },
    ]);
    expect(result).toMatchObject({ table: 'sales.orders', rowsWritten: 3, filesWritten: 1 });
    const { schema, snapshot } = await lake.describeTable('sales.orders');
    expect(schema.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'BIGINT'],
      ['customer', 'VARCHAR'],
      ['amount', 'DOUBLE'],
      ['paid', 'BOOLEAN'],
    ]);
    expect(snapshot?.recordCount).toBe(3);

    const totals = await lake.query(
      'select customer, sum(amount) as total, count(*) as n from sales.orders group by customer order by customer',
    );
    expect(totals.rows()).toEqual([
      { customer: 'ann', total: 10.5, n: 2 },
      { customer: 'bob', total: 20, n: 1 },
    ]);
    expect(totals.columns).toEqual([
      { name: 'customer', type: 'VARCHAR' },
      { name: 'total', type: 'DOUBLE' },
      { name: 'n', type: 'BIGINT' },
    ]);
    expect(totals.snapshots).toEqual([{ table: 'sales.orders', snapshotId: snapshot!.id }]);
    const arrow = await totals.toArrow();
    expect(arrow.numRows).toBe(2);
    expect(arrow.getChild('customer')?.toArray()).toEqual(['ann', 'bob']);
    expect(Array.from(arrow.getChild('n')!.toArray() as BigInt64Array)).toEqual([2n, 1n]);
    // The data files are where ARCHITECTURE.md says managed tables live.
    const [file] = await lake.services.catalog.files(
      await lake.services.catalog.getTable('sales.orders'),
    );
    expect(file!.path).toMatch(/^processed\/sales\/orders\/data\/part-[0-9a-f-]+\.parquet$/);
    expect(existsSync(join(dir, file!.path))).toBe(true);
  });

  it('loads CSV, JSON and Parquet files, appends and overwrites, and time-travels', async () => {
    await writeFile(join(files, 'a.csv'), 'id,name,day\n1,x,2026-01-01\n2,y,2026-01-02\n');
    await writeFile(join(files, 'b.ndjson'), '{"id": 3, "name": "z", "day": "2026-01-02"}\n');
    const first = await lake.writeTable(
      'shop.items',
      { files: [join(files, 'a.csv')] },
      { partitionBy: ['day'] },
    );
    const second = await lake.writeTable('shop.items', { files: [join(files, 'b.ndjson')] });
    expect((await lake.query('select count(*) as n from shop.items')).rows()).toEqual([{ n: 3 }]);
    const { partitions, schema } = await lake.describeTable('shop.items');
    expect(schema.partitionColumns).toEqual(['day']);
    expect(partitions.map((p) => [p.values, p.recordCount])).toEqual([
      [{ day: '2026-01-01' }, 1],
      [{ day: '2026-01-02' }, 2],
    ]);
    // Partition pruning does not lose the partition column: it is in the files.
    expect(
      (
        await lake.query("select id, name from shop.items where day = '2026-01-02' order by id")
      ).rows(),
    ).toEqual([
      { id: 2, name: 'y' },
      { id: 3, name: 'z' },
    ]);

    await lake.writeTable('shop.parquet_copy', { sql: 'select * from shop.items' });
    const copied = await lake.query('select * from shop.parquet_copy');
    expect(copied.rowCount).toBe(3);

    const overwrite = await lake.writeTable(
      'shop.items',
      { sql: "select 9 as id, 'w' as name, DATE '2026-02-01' as day" },
      { mode: 'overwrite' },
    );
    expect(overwrite.snapshot.summary).toMatchObject({ removedRecords: 3, addedRecords: 1 });
    expect((await lake.query('select id from shop.items')).rows()).toEqual([{ id: 9 }]);
    expect(
      (
        await lake.query('select count(*) as n from shop.items', { asOf: first.snapshot.id })
      ).rows(),
    ).toEqual([{ n: 2 }]);
    expect(
      (
        await lake.query('select count(*) as n from shop.items', { asOf: second.snapshot.id })
      ).rows(),
    ).toEqual([{ n: 3 }]);
    expect(
      (
        await lake.query('select count(*) as n from shop.items', {
          asOf: second.snapshot.committedAt,
        })
      ).rows(),
    ).toEqual([{ n: 3 }]);
    expect((await lake.history('shop.items')).map((s) => s.operation)).toEqual([
      'overwrite',
      'append',
      'append',
    ]);
  });

  it('binds tables inside CTEs, subqueries and joins, leaving CTE names alone', async () => {
    await lake.writeTable('crm.customers', [
      { id: 1, name: 'ann' },
      { id: 2, name: 'bob' },
    ]);
    await lake.writeTable('sales.orders', [
      { id: 10, customer_id: 1, amount: 5 },
      { id: 11, customer_id: 1, amount: 7 },
    ]);
    const result = await lake.query(`
      with totals as (select customer_id, sum(amount) as total from sales.orders group by all)
      select c.name, t.total from crm.customers c left join totals t on t.customer_id = c.id
      where c.id in (select id from crm.customers) order by c.name`);
    expect(result.rows()).toEqual([
      { name: 'ann', total: 12 },
      { name: 'bob', total: null },
    ]);
    expect(
      (await lake.query('select count(*) as n from orders', { database: 'sales' })).rows(),
    ).toEqual([{ n: 2 }]);
  });

  it('answers an empty table with its schema and no rows', async () => {
    await lake.createDatabase('empty');
    await lake.createTable('empty.t', {
      columns: [{ name: 'a', type: 'INTEGER', nullable: true }],
    });
    const result = await lake.query('select * from empty.t');
    expect(result.rowCount).toBe(0);
    expect(result.columns).toEqual([{ name: 'a', type: 'INTEGER' }]);
  });

  it('reports unknown tables with close names, and SQL errors with the position, committing nothing', async () => {
    await lake.writeTable('sales.orders', [{ id: 1 }]);
    await expect(lake.query('select * from sales.ordrs')).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
      message: expect.stringContaining('Did you mean sales.orders?'),
    });
    await expect(lake.query('select * from orders')).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
      message: expect.stringContaining('sales.orders'),
    });
    const syntax = await lake.query('select * fro sales.orders').catch((e: unknown) => e);
    expect(syntax).toMatchObject({ code: 'SQL_ERROR' });
    expect((syntax as Error).message).toMatch(/syntax error at or near/);
    expect((syntax as Error).message).toMatch(/LINE 1:/);
    const binder = await lake.query('select nope from sales.orders').catch((e: unknown) => e);
    expect((binder as Error).message).toMatch(/nope/);

    const before = await lake.history('sales.orders');
    await expect(
      lake.writeTable('sales.orders', { sql: 'select id / 0 as id, nope from sales.orders' }),
    ).rejects.toMatchObject({ code: 'SQL_ERROR' });
    await expect(
      lake.writeTable('sales.orders', { sql: "select 'not a number' as id" }),
    ).rejects.toMatchObject({ code: 'SQL_ERROR' });
    expect(await lake.history('sales.orders')).toEqual(before);
    await expect(lake.query('create table x as select 1')).rejects.toMatchObject({
      code: 'UNSUPPORTED_STATEMENT',
    });
    await expect(lake.query('select 1; select 2')).rejects.toMatchObject({
      code: 'UNSUPPORTED_STATEMENT',
    });
  });

  it('refuses columns the table lacks unless asked to add them', async () => {
    await lake.writeTable('sales.orders', [{ id: 1 }]);
    await expect(lake.writeTable('sales.orders', [{ id: 2, note: 'x' }])).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      message: expect.stringContaining('"note"'),
    });
    await lake.writeTable('sales.orders', [{ id: 2, note: 'x' }], { addColumns: true });
    expect((await lake.query('select id, note from sales.orders order by id')).rows()).toEqual([
      { id: 1, note: null },
      { id: 2, note: 'x' },
    ]);
    expect((await lake.describeTable('sales.orders')).schema.version).toBe(2);
  });

  it('rejects bad identifiers and missing files before doing anything', async () => {
    await expect(lake.writeTable('sales.bad name', [{ a: 1 }])).rejects.toMatchObject({
      code: 'INVALID_IDENTIFIER',
    });
    await expect(lake.writeTable('sales', [{ a: 1 }])).rejects.toMatchObject({
      code: 'INVALID_IDENTIFIER',
    });
    await expect(
      lake.writeTable('sales.t', { files: [join(files, 'missing.csv')] }),
    ).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await writeFile(join(files, 'x.xlsx'), 'nope');
    await expect(
      lake.writeTable('sales.t', { files: [join(files, 'x.xlsx')] }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    expect(await lake.listTables()).toEqual([]);
  });

  it('records loads and vacuums as runs, and commits and objects as events', async () => {
    await writeFile(join(files, 'a.csv'), 'id\n1\n2\n');
    const run = await lake.load('sales.orders', [join(files, 'a.csv')]);
    expect(run).toMatchObject({
      kind: 'load',
      status: 'succeeded',
      metrics: { rowsWritten: 2, filesWritten: 1 },
    });
    // Input refused up front records no run; a load that fails reading its files is a failed run.
    await expect(lake.load('sales.orders', [join(files, 'missing.csv')])).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
    await writeFile(join(files, 'bad.parquet'), 'not a parquet file');
    const failed = await lake.load('sales.orders', [join(files, 'bad.parquet')]);
    expect(failed).toMatchObject({ status: 'failed', error: { code: expect.any(String) } });
    expect((await lake.runs.list({ kind: 'load' })).map((r) => r.status)).toEqual([
      'failed',
      'succeeded',
    ]);
    const types = (await lake.listEvents()).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'database.created',
        'table.created',
        'object.created',
        'table.committed',
        'run.succeeded',
        'run.failed',
      ]),
    );
    const created = await lake.listEvents({ type: 'object.*' });
    expect(created[0]!.subject).toMatch(/^processed\/sales\/orders\/data\//);
  });
});
