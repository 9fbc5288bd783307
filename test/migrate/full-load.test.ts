import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';
import { rows, sourceDatabase } from './migrate-fixture.js';

describe('full load from PostgreSQL', () => {
  let lake: Lake;
  let source: Awaited<ReturnType<typeof sourceDatabase>>;
  let cleanupLake: () => Promise<void>;

  beforeAll(async () => {
    ({ lake, cleanup: cleanupLake } = await tempLake());
    source = await sourceDatabase();
    await source.client.query(`
      create type mood as enum ('sad', 'happy');
      create table public.types (
        id bigint primary key, i2 smallint, i4 integer, n numeric(12,2), nu numeric, r real, d double precision,
        b boolean, t text, vc varchar(10), c char(3), u uuid, dt date, tm time, ts timestamp, tstz timestamptz,
        iv interval, j json, jb jsonb, by bytea, ai integer[], at text[], e mood);
      insert into public.types values
        (1, -32768, 2147483647, 1234567890.12, 12345.123456789, 1.5, 3.141592653589793, true, 'hé "q", x', 'abc', 'ab',
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29', '13:14:15.123456', '2024-01-02 03:04:05.678901',
         '2024-01-02 03:04:05.678901+02', '1 year 2 mons 3 days 04:05:06.5', '{"a": [1, 2]}', '{"b": {"c": null}}',
         '\\x00ff10', '{1,2,3}', '{"a","b,c","d\\"e"}', 'happy'),
        (2, null, null, null, null, null, null, false, '', null, null, null, null, null, null, null, null, null, null,
         null, null, null, null);
      create table public.big (id integer primary key, v text);
      insert into public.big select g, 'v' || g from generate_series(1, 5000) g;
      create table public.prices (id integer primary key, price numeric(6,2), label text);
      insert into public.prices values (1, 10.5, 'ok'), (2, 'NaN', 'bad'), (3, 7, 'ok');
      create table public.skipme (id integer primary key);
    `);
    await lake.sources.create('pg', { engine: 'postgres', ...source.settings });
  });
  afterAll(async () => {
    await source.cleanup();
    await cleanupLake();
  });

  it('round-trips every mapped type, splits large tables into key ranges and applies the rules', async () => {
    await lake.migrations.create('load1', {
      source: 'pg',
      targetDatabase: 'shop',
      type: 'full-load',
      mappings: {
        selection: [
          { action: 'include', schema: 'public', table: '%' },
          { action: 'exclude', schema: 'public', table: 'skip%' },
        ],
        transformations: [
          { action: 'rename-table', table: 'big', to: 'large' },
          { action: 'add-prefix', table: 'prices', prefix: 'pg_' },
          { action: 'rename-column', table: 'prices', column: 'label', to: 'tag' },
          { action: 'add-column', table: 'prices', column: 'origin', value: 'pg' },
          { action: 'add-column', table: 'prices', column: 'twice', expression: 'id * 2' },
          { action: 'drop-column', table: 'big', column: 'v' },
        ],
      },
      settings: { splitRows: 1000, rangeParts: 3, parallelTables: 2 },
    });
    await source.client.query('analyze');
    const run = await lake.migrations.wait((await lake.migrations.start('load1')).id);
    expect(run.status).toBe('succeeded_with_errors'); // the NaN price is rejected
    const status = await lake.migrations.status('load1');
    expect(
      status.tables.map((t) => [t.sourceTable, t.state, t.rowsLoaded, t.rowsRejected]),
    ).toEqual([
      ['big', 'loaded', 5000, 0],
      ['prices', 'loaded', 2, 1],
      ['types', 'loaded', 2, 0],
    ]);

    const [one, two] = await rows(lake, 'select * from shop.types order by id');
    expect(one).toEqual({
      id: 1,
      i2: -32768,
      i4: 2147483647,
      n: 1234567890.12,
      nu: '12345.123456789',
      r: 1.5,
      d: 3.141592653589793,
      b: true,
      t: 'hé "q", x',
      vc: 'abc',
      c: 'ab ',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      dt: '2024-02-29',
      tm: '13:14:15.123456',
      ts: '2024-01-02 03:04:05.678901',
      tstz: '2024-01-02 01:04:05.678901+00',
      iv: { months: 14, days: 3, micros: '14706500000' },
      j: '{"a": [1, 2]}',
      jb: '{"b": {"c": null}}',
      by: '\\x00\\xFF\\x10',
      ai: [1, 2, 3],
      at: ['a', 'b,c', 'd"e'],
      e: 'happy',
    });
    expect(two).toMatchObject({ id: 2, t: '', vc: null, b: false, ai: null });
    const columns = (await lake.describeTable('shop.types')).schema.columns.map(
      (c) => `${c.name}:${c.type}`,
    );
    expect(columns).toContain('n:DECIMAL(12,2)');
    expect(columns).toContain('nu:DECIMAL(38,9)');
    expect(columns).toContain('ai:INTEGER[]');
    expect(columns).toContain('tstz:TIMESTAMP WITH TIME ZONE');

    expect(
      await rows(lake, 'select count(*) as n, count(distinct id) as d from shop.large'),
    ).toEqual([{ n: 5000, d: 5000 }]);
    expect((await lake.describeTable('shop.large')).schema.columns.map((c) => c.name)).toEqual([
      'id',
    ]);
    expect(await rows(lake, 'select * from shop.pg_prices order by id')).toEqual([
      { id: 1, price: 10.5, tag: 'ok', origin: 'pg', twice: 2 },
      { id: 3, price: 7, tag: 'ok', origin: 'pg', twice: 6 },
    ]);
    const rejects = await rows(
      lake,
      'select source_table, column_name, reason, csv_line from shop.migration_rejects',
    );
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ source_table: 'public.prices', column_name: 'price' });
    expect(String(rejects[0]!['reason'])).toContain('NaN');
    expect(await lake.services.catalog.findTable('shop.skipme')).toBeUndefined();
    expect((await lake.history('shop.large')).length).toBe(1); // one snapshot per table

    const report = await lake.migrations.validate('load1');
    const byTable = Object.fromEntries(report.tables.map((t) => [t.sourceTable, t]));
    expect(byTable['public.types']!.match).toBe(true);
    expect(byTable['public.big']!.match).toBe(true);
    // The rejected row is the mismatch, by its key.
    expect(byTable['public.prices']).toMatchObject({ match: false, sourceRows: 3, lakeRows: 2 });
    expect(byTable['public.prices']!.sampleKeys[0]).toContain('NaN');
  });

  it('refuses wrong passwords and unreachable hosts in one line that names the fix', async () => {
    process.env['LAKEBOX_TEST_WRONG_PW'] = 'nope';
    await lake.sources.create('badpw', {
      engine: 'postgres',
      ...source.settings,
      password: '${env:LAKEBOX_TEST_WRONG_PW}',
    });
    const wrong = await lake.sources.test('badpw');
    expect(wrong.ok).toBe(false);
    expect(wrong.checks[1]).toMatchObject({ check: 'credentials', ok: false });
    expect(wrong.checks[1]!.message).toMatch(/wrong password.*LAKEBOX_TEST_WRONG_PW/);
    expect(JSON.stringify(wrong)).not.toContain('nope');

    await lake.sources.create('nohost', {
      engine: 'postgres',
      ...source.settings,
      host: '127.0.0.1',
      port: 1,
    });
    const unreachable = await lake.sources.test('nohost');
    expect(unreachable.checks).toEqual([
      expect.objectContaining({
        check: 'reachable',
        ok: false,
        message: expect.stringMatching(/cannot reach.*check the host and port/),
      }),
    ]);
    await expect(
      lake.sources.create('literal', {
        engine: 'postgres',
        ...source.settings,
        password: 'secret',
      }),
    ).rejects.toThrow(/\$\{env:NAME\}/);
  });

  it('reports a missing replication permission', async () => {
    await source.client.query(
      `drop role if exists lb_norepl; create role lb_norepl login password 'pw2'`,
    );
    process.env['LAKEBOX_TEST_NOREPL_PW'] = 'pw2';
    await lake.sources.create('norepl', {
      engine: 'postgres',
      ...source.settings,
      user: 'lb_norepl',
      password: '${env:LAKEBOX_TEST_NOREPL_PW}',
    });
    const result = await lake.sources.test('norepl');
    const check = result.checks.find((c) => c.check === 'replication_permission');
    expect(check).toMatchObject({
      ok: false,
      message: expect.stringContaining('ALTER ROLE lb_norepl WITH REPLICATION'),
    });
    expect(result.checks.find((c) => c.check === 'wal_level')).toMatchObject({ ok: true });
  });
});

describe('full load from SQLite', () => {
  it('loads tables with their affinities and rejects values that do not fit', async () => {
    const files = await tempDir();
    const { lake, cleanup } = await tempLake();
    try {
      const path = join(files.dir, 'app.db');
      const db = new Database(path);
      db.exec(`create table users (id integer primary key, name text, score real, joined date, photo blob, amount decimal(8,2));
        insert into users values (1, 'ann', 1.5, '2024-01-01', x'0102', 3.25), (2, '', null, null, null, null), (3, 'bob', 'not a number', null, null, 1);`);
      db.close();
      await lake.sources.create('app', { engine: 'sqlite', path });
      expect((await lake.sources.test('app')).ok).toBe(true);
      await lake.migrations.create('apptask', {
        source: 'app',
        targetDatabase: 'app',
        type: 'full-load',
        mappings: { selection: [{ action: 'include', table: '%' }] },
      });
      const run = await lake.migrations.wait((await lake.migrations.start('apptask')).id);
      expect(run.status).toBe('succeeded_with_errors');
      expect(await rows(lake, 'select * from app.users order by id')).toEqual([
        { id: 1, name: 'ann', score: 1.5, joined: '2024-01-01', photo: '\\x01\\x02', amount: 3.25 },
        { id: 2, name: '', score: null, joined: null, photo: null, amount: null },
      ]);
      expect((await lake.migrations.status('apptask')).tables[0]).toMatchObject({
        rowsLoaded: 2,
        rowsRejected: 1,
      });
      await expect(
        lake.migrations.create('cdcsqlite', {
          source: 'app',
          targetDatabase: 'app',
          type: 'cdc',
          mappings: { selection: [{ action: 'include', table: '%' }] },
        }),
      ).rejects.toThrow(/full load only/);
    } finally {
      await cleanup();
      await files.cleanup();
    }
  });
});
