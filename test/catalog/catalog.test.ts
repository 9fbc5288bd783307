import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import type { NewDataFile, Table } from '../../src/catalog/catalog-types.js';
import { withCommitRetry } from '../../src/catalog/commit-retry.js';
import { LakeError } from '../../src/errors/lake-error.js';
import { EventLog } from '../../src/events/event-log.js';
import { META_BACKENDS } from '../support/meta-backends.js';

const columns = [
  { name: 'id', type: 'BIGINT', nullable: false, description: 'order id' },
  { name: 'amount', type: 'DECIMAL(12,2)', nullable: true },
  { name: 'day', type: 'DATE', nullable: true },
];

function file(path: string, records: number, partition: Record<string, string> = {}): NewDataFile {
  return {
    path,
    format: 'parquet',
    recordCount: records,
    fileSize: records * 10,
    partitionValues: partition,
    columnStats: [
      { column: 'id', valueCount: records, nullCount: 0, min: '1', max: String(records) },
    ],
  };
}

describe.each(META_BACKENDS)('catalog on $name', (backend) => {
  let handle: Awaited<ReturnType<typeof backend.open>>;
  let catalog: Catalog;
  let events: EventLog;

  beforeEach(async () => {
    handle = await backend.open();
    events = new EventLog(handle.meta.db);
    catalog = new Catalog(handle.meta.db, events);
    await catalog.createDatabase('sales', { zone: 'curated', description: 'sales data' });
  });
  afterEach(() => handle.cleanup());

  async function orders(): Promise<Table> {
    return catalog.createTable('sales.orders', {
      columns,
      partitionColumns: ['day'],
      properties: { owner: 'finance' },
    });
  }

  it('creates databases and tables with typed schemas, properties and managed locations', async () => {
    const table = await orders();
    expect(table).toMatchObject({
      fullName: 'sales.orders',
      kind: 'managed',
      format: 'parquet',
      location: 'curated/sales/orders',
      properties: { owner: 'finance' },
      currentSnapshotId: null,
    });
    const schema = await catalog.schema(table);
    expect(schema.version).toBe(1);
    expect(schema.columns).toEqual([
      { name: 'id', type: 'BIGINT', nullable: false, description: 'order id' },
      { name: 'amount', type: 'DECIMAL(12,2)', nullable: true, description: null },
      { name: 'day', type: 'DATE', nullable: true, description: null },
    ]);
    expect(schema.partitionColumns).toEqual(['day']);
    expect((await catalog.listTables('sales')).map((t) => t.fullName)).toEqual(['sales.orders']);
    await expect(orders()).rejects.toMatchObject({ code: 'TABLE_EXISTS' });
    const external = await catalog.createTable('sales.raw_orders', {
      kind: 'external',
      format: 'csv',
      location: 'raw/sales/orders/',
      columns,
    });
    expect(external).toMatchObject({
      kind: 'external',
      format: 'csv',
      location: 'raw/sales/orders/',
    });
  });

  it('names close matches for unknown tables and databases', async () => {
    await orders();
    const error = await catalog.getTable('sales.ordres').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakeError);
    expect(error).toMatchObject({ code: 'TABLE_NOT_FOUND' });
    expect((error as Error).message).toContain('sales.ordres');
    expect((error as Error).message).toContain('Did you mean sales.orders?');
    await expect(catalog.getTable('sails.orders')).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
    });
    await expect(catalog.getDatabase('sale')).rejects.toThrow(/Did you mean sales\?/);
  });

  it('rejects invalid identifiers before building any SQL', async () => {
    for (const bad of [
      'sales.or"ders',
      'sales.my table',
      'sales..orders',
      'sales.',
      '',
      'a.b.c',
      "x.y'; drop table lb_table; --",
    ]) {
      await expect(catalog.createTable(bad, { columns })).rejects.toMatchObject({
        code: 'INVALID_IDENTIFIER',
      });
    }
    await expect(catalog.createDatabase('bad name')).rejects.toMatchObject({
      code: 'INVALID_IDENTIFIER',
    });
    await expect(catalog.createDatabase('')).rejects.toMatchObject({ code: 'INVALID_IDENTIFIER' });
  });

  it('commits snapshots atomically with summaries, statistics and time travel', async () => {
    let table = await orders();
    const first = await catalog.commit({
      table,
      parentSnapshotId: null,
      operation: 'append',
      addFiles: [file('a.parquet', 10, { day: '2026-01-01' })],
    });
    expect(first.summary).toMatchObject({
      addedRecords: 10,
      addedFiles: 1,
      addedBytes: 100,
      removedRecords: 0,
    });
    table = await catalog.getTable('sales.orders');
    const second = await catalog.commit({
      table,
      parentSnapshotId: first.id,
      operation: 'append',
      addFiles: [
        file('b.parquet', 5, { day: '2026-01-02' }),
        file('c.parquet', 7, { day: '2026-01-02' }),
      ],
    });
    expect(second).toMatchObject({
      parentId: first.id,
      recordCount: 22,
      fileCount: 3,
      totalBytes: 220,
    });
    table = await catalog.getTable('sales.orders');
    const files = await catalog.files(table, first.id);
    expect(files.map((f) => f.path)).toEqual(['a.parquet']);
    expect((await catalog.files(table)).map((f) => f.path)).toEqual([
      'a.parquet',
      'b.parquet',
      'c.parquet',
    ]);
    expect(await catalog.partitions(table)).toEqual([
      { values: { day: '2026-01-01' }, fileCount: 1, recordCount: 10, bytes: 100 },
      { values: { day: '2026-01-02' }, fileCount: 2, recordCount: 12, bytes: 120 },
    ]);

    const third = await catalog.commit({
      table,
      parentSnapshotId: second.id,
      operation: 'overwrite',
      addFiles: [file('d.parquet', 3)],
      removeFiles: 'all',
    });
    expect(third.summary).toMatchObject({ addedRecords: 3, removedRecords: 22, removedFiles: 3 });
    expect(third.recordCount).toBe(3);
    table = await catalog.getTable('sales.orders');
    expect((await catalog.files(table)).map((f) => f.path)).toEqual(['d.parquet']);
    expect((await catalog.files(table, second.id)).map((f) => f.path)).toEqual([
      'a.parquet',
      'b.parquet',
      'c.parquet',
    ]);

    expect((await catalog.snapshotAsOf(table, second.id))?.id).toBe(second.id);
    expect((await catalog.snapshotAsOf(table, third.id))?.id).toBe(third.id);
    expect((await catalog.snapshotAsOf(table, new Date()))?.id).toBe(third.id);
    // A point the lake has not reached is refused, not read as the current data.
    await expect(catalog.snapshotAsOf(table, third.id + 1000)).rejects.toMatchObject({
      code: 'SNAPSHOT_IN_FUTURE',
    });
    await expect(catalog.snapshotAsOf(table, new Date(Date.now() + 60_000))).rejects.toMatchObject({
      code: 'SNAPSHOT_IN_FUTURE',
    });
    await expect(catalog.snapshotAsOf(table, new Date(0))).rejects.toMatchObject({
      code: 'SNAPSHOT_NOT_FOUND',
    });
    expect((await catalog.history(table)).map((s) => s.id)).toEqual([
      third.id,
      second.id,
      first.id,
    ]);

    const stats = await handle.meta.db
      .selectFrom('lb_file_column_stats')
      .selectAll()
      .where('table_id', '=', table.id)
      .execute();
    expect(stats).toHaveLength(4);
    expect(stats[0]).toMatchObject({
      column_name: 'id',
      min_value: '1',
      max_value: '10',
      null_count: 0,
    });

    const committed = await events.list({ type: 'table.committed' });
    expect(committed.map((e) => e.payload['snapshotId'])).toEqual([first.id, second.id, third.id]);
  });

  it('refuses a commit on a stale parent with COMMIT_CONFLICT and writes nothing', async () => {
    const table = await orders();
    const first = await catalog.commit({
      table,
      parentSnapshotId: null,
      operation: 'append',
      addFiles: [file('a.parquet', 1)],
    });
    const stale = await catalog
      .commit({
        table,
        parentSnapshotId: null,
        operation: 'append',
        addFiles: [file('b.parquet', 1)],
      })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ code: 'COMMIT_CONFLICT', transient: true });
    const fresh = await catalog.getTable('sales.orders');
    expect(fresh.currentSnapshotId).toBe(first.id);
    expect((await catalog.files(fresh)).map((f) => f.path)).toEqual(['a.parquet']);
    expect(await catalog.history(fresh)).toHaveLength(1);
  });

  it('lands every concurrent append exactly once through the retry helper', async () => {
    await orders();
    const second = await handle.reopen(); // a second connection pool, as another process would have
    const otherCatalog = new Catalog(second.db, new EventLog(second.db));
    try {
      const append = (c: Catalog, path: string) =>
        withCommitRetry(async () => {
          const table = await c.getTable('sales.orders');
          return c.commit({
            table,
            parentSnapshotId: table.currentSnapshotId,
            operation: 'append',
            addFiles: [file(path, 1)],
          });
        });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          append(i % 2 === 0 ? catalog : otherCatalog, `f${i}.parquet`),
        ),
      );
      const table = await catalog.getTable('sales.orders');
      const files = await catalog.files(table);
      expect(files.map((f) => f.path).sort()).toEqual(
        Array.from({ length: 20 }, (_, i) => `f${i}.parquet`).sort(),
      );
      const history = await catalog.history(table);
      expect(history).toHaveLength(20);
      expect(history[0]!.recordCount).toBe(20);
      // The history is one chain: each snapshot's parent is the one before it.
      for (let i = 0; i < history.length - 1; i++)
        expect(history[i]!.parentId).toBe(history[i + 1]!.id);
    } finally {
      await second.close();
    }
  });

  it('evolves the schema as a new version and keeps the history', async () => {
    const table = await orders();
    await catalog.commit({
      table,
      parentSnapshotId: null,
      operation: 'append',
      addFiles: [file('a.parquet', 1)],
      schema: {
        columns: [...columns, { name: 'note', type: 'VARCHAR', nullable: true }],
        partitionColumns: ['day'],
      },
    });
    const evolved = await catalog.getTable('sales.orders');
    expect((await catalog.schema(evolved)).columns.map((c) => c.name)).toEqual([
      'id',
      'amount',
      'day',
      'note',
    ]);
    expect((await catalog.schemaHistory(evolved)).map((s) => s.version)).toEqual([1, 2]);
  });

  it('drops tables at once, keeping the name free for a new table', async () => {
    await orders();
    await catalog.dropTable('sales.orders');
    await expect(catalog.getTable('sales.orders')).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
    });
    const again = await orders();
    expect(again.currentSnapshotId).toBeNull();
    await expect(catalog.dropDatabase('sales')).rejects.toMatchObject({
      code: 'DATABASE_NOT_EMPTY',
    });
    await catalog.dropDatabase('sales', { cascade: true });
    expect(await catalog.listDatabases()).toEqual([]);
  });
});
