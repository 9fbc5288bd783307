import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

describe('SQL jobs', () => {
  let lake: Lake;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, cleanup } = await tempLake());
    await lake.writeTable('raw.events', {
      sql: "select range as id, TIMESTAMP '2026-01-01 00:00:00' + to_hours(range * 12) as ts, (range % 3)::integer as kind, range * 1.5 as amount from range(10)",
    });
  });
  afterEach(() => cleanup());

  const count = async (table: string) =>
    Number((await lake.query(`select count(*) as n from ${table}`)).rows()[0]!['n']);

  it('runs a parameterised query into a table partitioned by day(ts), one snapshot per run', async () => {
    await lake.jobs.create('events_by_kind', {
      sql: 'select id, ts, kind, amount from raw.events where kind <> ${skip}::integer',
      target: 'curated.events',
      partitionBy: ['day(ts)'],
      sortBy: ['id'],
      parameters: { skip: '2' },
    });
    const run = await lake.jobs.run('events_by_kind');
    expect(run).toMatchObject({ kind: 'job', name: 'events_by_kind', status: 'succeeded' });
    expect(run.metrics).toMatchObject({ rowsRead: 10, rowsWritten: 7 });
    expect(run.metrics['filesWritten']).toBeGreaterThan(0);
    expect(run.metrics['bytesWritten']).toBeGreaterThan(0);
    const { schema, partitions } = await lake.describeTable('curated.events');
    expect(schema.partitionColumns).toEqual(['ts_day']);
    expect(schema.columns.find((c) => c.name === 'ts_day')?.type).toBe('DATE');
    expect(partitions.length).toBe(5);
    expect(await lake.history('curated.events')).toHaveLength(1);

    const second = await lake.jobs.run('events_by_kind', { parameters: { skip: '0' } });
    expect(second.metrics['rowsWritten']).toBe(6);
    expect(await lake.history('curated.events')).toHaveLength(2);
    expect(await count('curated.events')).toBe(13);
    expect((await lake.jobs.runs('events_by_kind')).map((r) => r.id)).toEqual([second.id, run.id]);
    const logs = await lake.jobs.logs(run.id);
    expect(logs.map((l) => l.message).join('\n')).toContain('committed snapshot');
  });

  it('reads only what was added since the bookmark, and can be rewound and reset', async () => {
    await lake.jobs.create('copy_events', {
      sql: 'select id, amount from raw.events',
      target: 'curated.copied',
      bookmarks: true,
    });
    const first = await lake.jobs.run('copy_events');
    expect(first.metrics).toMatchObject({ rowsRead: 10, rowsWritten: 10 });
    const idle = await lake.jobs.run('copy_events');
    expect(idle).toMatchObject({ status: 'succeeded', metrics: { rowsRead: 0, rowsWritten: 0 } });
    expect(await lake.history('curated.copied')).toHaveLength(1);

    await lake.writeTable('raw.events', { sql: 'select 100 as id, 1.0 as amount' });
    const second = await lake.jobs.run('copy_events');
    expect(second.metrics).toMatchObject({ rowsRead: 1, rowsWritten: 1 });
    expect(await count('curated.copied')).toBe(11);
    const [position] = await lake.jobs.bookmark('copy_events');
    expect(position).toMatchObject({ inputTable: 'raw.events', runId: second.id });

    expect(await lake.jobs.rewindBookmark('copy_events')).toEqual([second.id]);
    expect((await lake.jobs.run('copy_events')).metrics['rowsRead']).toBe(1);
    await lake.jobs.resetBookmark('copy_events');
    expect(await lake.jobs.bookmark('copy_events')).toEqual([]);
    expect((await lake.jobs.run('copy_events')).metrics['rowsRead']).toBe(11);
  });

  it('fails a run with the SQL error or the missing table, committing nothing', async () => {
    await lake.jobs.create('broken', {
      sql: 'select idd from raw.events',
      target: 'curated.broken',
    });
    const broken = await lake.jobs.run('broken');
    expect(broken).toMatchObject({ status: 'failed', error: { code: 'SQL_ERROR' } });
    expect(broken.error?.message).toContain('idd');
    expect(await lake.services.catalog.findTable('curated.broken')).toBeUndefined();

    await lake.jobs.create('missing', { sql: 'select * from raw.nope', target: 'curated.missing' });
    const missing = await lake.jobs.run('missing');
    expect(missing).toMatchObject({ status: 'failed', error: { code: 'TABLE_NOT_FOUND' } });
    expect(missing.error?.message).toContain('raw.nope');

    await lake.jobs.create('unfilled', { sql: 'select ${x} as x', target: 'curated.x' });
    expect(await lake.jobs.run('unfilled')).toMatchObject({
      status: 'failed',
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('x') },
    });
    // A parameter is a quoted literal: it cannot change the query's shape.
    await lake.jobs.create('quoted', { sql: 'select ${x} as x', target: 'curated.quoted' });
    await lake.jobs.run('quoted', { parameters: { x: "'; drop table t; --" } });
    expect((await lake.query('select x from curated.quoted')).rows()).toEqual([
      { x: "'; drop table t; --" },
    ]);
  });

  it('refuses new columns unless allowed, and type changes naming the column and both types', async () => {
    await lake.writeTable('curated.typed', {
      sql: 'select 1::bigint as id, 2.5::double as amount',
    });
    await lake.jobs.create('extra', {
      sql: "select id, amount, 'x' as note from raw.events",
      target: 'curated.typed',
    });
    const extra = await lake.jobs.run('extra');
    expect(extra).toMatchObject({ status: 'failed', error: { code: 'SCHEMA_MISMATCH' } });
    expect(extra.error?.message).toContain('"note"');

    await lake.jobs.create('extra', {
      sql: "select id, amount, 'x' as note from raw.events",
      target: 'curated.typed',
      allowAddColumns: true,
      replace: true,
    });
    expect(await lake.jobs.run('extra')).toMatchObject({ status: 'succeeded' });

    await lake.jobs.create('retyped', {
      sql: "select 'abc' as id from raw.events",
      target: 'curated.typed',
    });
    const retyped = await lake.jobs.run('retyped');
    expect(retyped).toMatchObject({ status: 'failed', error: { code: 'SCHEMA_MISMATCH' } });
    expect(retyped.error?.message).toMatch(/"id".*BIGINT.*VARCHAR/);
    // A lossless widening (INTEGER into BIGINT) is no type change.
    await lake.jobs.create('widened', { sql: 'select 7::integer as id', target: 'curated.typed' });
    expect(await lake.jobs.run('widened')).toMatchObject({ status: 'succeeded' });
    expect(await lake.history('curated.typed')).toHaveLength(3);
  });

  it('merges by key and names a duplicated key in the source', async () => {
    await lake.writeTable('curated.accounts', {
      sql: 'select range as id, 0 as balance from range(5)',
    });
    await lake.jobs.create('upsert', {
      sql: 'select * from (values (1, 10), (2, -1), (9, 90)) v(id, balance)',
      target: 'curated.accounts',
      mode: 'merge',
      mergeKeys: ['id'],
      deleteWhen: 'balance < 0',
    });
    const merged = await lake.jobs.run('upsert');
    expect(merged.metrics).toMatchObject({ rowsInserted: 1, rowsUpdated: 1, rowsDeleted: 1 });
    expect(
      (await lake.query('select id, balance from curated.accounts order by id')).rows(),
    ).toEqual([
      { id: 0, balance: 0 },
      { id: 1, balance: 10 },
      { id: 3, balance: 0 },
      { id: 4, balance: 0 },
      { id: 9, balance: 90 },
    ]);

    await lake.jobs.create('dupes', {
      sql: 'select * from (values (3, 1), (3, 2)) v(id, balance)',
      target: 'curated.accounts',
      mode: 'merge',
      mergeKeys: ['id'],
    });
    const dupes = await lake.jobs.run('dupes');
    expect(dupes).toMatchObject({ status: 'failed', error: { code: 'DUPLICATE_MERGE_KEY' } });
    expect(dupes.error?.message).toContain('id=3');
    expect(await lake.history('curated.accounts')).toHaveLength(2);
  });

  it('refuses a start beyond maxConcurrentRuns and validates specs', async () => {
    await lake.jobs.create('solo', { sql: 'select 1 as x', target: 'curated.solo' });
    await expect(
      lake.jobs.create('solo', { sql: 'select 1 as x', target: 'curated.solo' }),
    ).rejects.toMatchObject({ code: 'JOB_EXISTS' });
    await expect(lake.jobs.create('bad', { target: 'curated.x' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      lake.jobs.create('bad', { sql: 'select 1', target: 'curated.x', mode: 'merge' }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      lake.jobs.create('bad', { sql: 'select 1', target: 'curated.x', partitionBy: ['week(ts)'] }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('week') });
    await expect(lake.jobs.run('sol')).rejects.toMatchObject({
      code: 'JOB_NOT_FOUND',
      message: expect.stringContaining('solo'),
    });
    // A run holding the job's concurrency slot, as a start in another process would.
    const queued = await lake.services.runs.create({
      kind: 'job',
      name: 'solo',
      concurrency: { key: 'job:solo', limit: 1 },
    });
    await expect(lake.jobs.start('solo')).rejects.toMatchObject({ code: 'JOB_CONCURRENCY_LIMIT' });
    await lake.runs.cancel(queued.id);
    expect(await lake.jobs.run('solo')).toMatchObject({ status: 'succeeded' });
  });
});
