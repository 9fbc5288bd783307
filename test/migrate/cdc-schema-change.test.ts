import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';
import { rows, sourceDatabase, until } from './migrate-fixture.js';

const TASK = 'ddl';
const STOPPED = ['t_drop', 't_rename', 't_narrow', 't_retype', 't_serial'];

describe('CDC when the source schema changes', () => {
  let lake: Lake;
  let source: Awaited<ReturnType<typeof sourceDatabase>>;
  let cleanupLake: () => Promise<void>;

  const status = async (table: string) =>
    (await lake.migrations.status(TASK)).tables.find((t) => t.sourceTable === table)!;

  beforeAll(async () => {
    ({ lake, cleanup: cleanupLake } = await tempLake());
    source = await sourceDatabase();
    for (const table of ['t_add', 't_drop', 't_rename', 't_serial'])
      await source.client.query(`create table public.${table} (id int primary key, name text);
        insert into public.${table} values (1, 'a'), (2, 'b');`);
    await source.client.query(`
      create table public.t_widen (id int primary key, n int, small smallint, amount numeric(10,2), name varchar(10), f real);
      insert into public.t_widen values (1, 7, 3, 12.34, 'ten chars!', 1.5);
      create table public.t_narrow (id int primary key, n bigint);
      insert into public.t_narrow values (1, 7);
      create table public.t_retype (id int primary key, doc json);
      insert into public.t_retype values (1, '{"b": 1, "a": 2}');
    `);
    await lake.sources.create('pg', { engine: 'postgres', ...source.settings });
    await lake.migrations.create(TASK, {
      source: 'pg',
      targetDatabase: 'ddl',
      type: 'full-load-and-cdc',
      mappings: { selection: [{ action: 'include', schema: 'public', table: 't_%' }] },
      settings: { batchSeconds: 0.2, batchChanges: 1000 },
    });
  });
  afterAll(async () => {
    const stopped = await lake.migrations.stop(TASK).catch(() => null);
    if (stopped) await lake.migrations.wait(stopped.id);
    await lake.migrations.delete(TASK);
    await source.cleanup();
    await cleanupLake();
  });

  it('applies added columns and widened types, and stops only the tables it cannot follow', async () => {
    await lake.migrations.start(TASK);
    await until('the full load', async () => {
      const { tables } = await lake.migrations.status(TASK);
      return tables.length === 7 && tables.every((t) => t.state === 'replicating');
    });
    // Every ALTER is followed by a change: pgoutput describes a relation before its first
    // change after the ALTER.
    await source.client.query(`
      alter table public.t_add add column tier text default 'gold', add column memo text;
      insert into public.t_add values (3, 'c', 'silver', 'm');
      alter table public.t_widen alter column n type bigint, alter column small type int,
        alter column amount type numeric(14,4), alter column name type text, alter column f type double precision;
      insert into public.t_widen values (2, 1099511627776, 100000, 1234567890.1234, 'longer than ten', 2.25);
      alter table public.t_drop drop column name;
      insert into public.t_drop values (3);
      alter table public.t_rename rename column name to label;
      insert into public.t_rename values (3, 'c');
      alter table public.t_narrow alter column n type int;
      insert into public.t_narrow values (2, 8);
      alter table public.t_retype alter column doc type jsonb;
      insert into public.t_retype values (2, '{}');
      alter table public.t_serial add column s serial;
      insert into public.t_serial values (3, 'c');
    `);
    await until('the tables that cannot follow to stop', async () => {
      const states = await Promise.all(STOPPED.map(status));
      return states.every((t) => t.state === 'error');
    });
    const errors = Object.fromEntries(
      await Promise.all(STOPPED.map(async (t) => [t, (await status(t)).error] as const)),
    );
    expect(errors['t_drop']).toMatch(
      /column "name" of public\.t_drop was dropped.*LSN [0-9A-F]+\/[0-9A-F]+.*reload the table/i,
    );
    expect(errors['t_rename']).toMatch(/column "name" of public\.t_rename was renamed to "label"/i);
    expect(errors['t_narrow']).toMatch(/type of column "n" .* narrowed from bigint to integer/i);
    expect(errors['t_retype']).toMatch(/type of column "doc" .* changed from json to jsonb/i);
    expect(errors['t_serial']).toMatch(
      /column "s" was added .* default PostgreSQL computed row by row/i,
    );
    for (const error of Object.values(errors)) {
      expect(error).toContain('lakebox migrate stop ddl, lakebox migrate delete ddl');
      expect(error).toMatch(/\[SOURCE_SCHEMA_CHANGED\]$/);
    }
    // The stopped tables keep what they had; their later changes are not applied.
    expect(await rows(lake, 'select count(*) as n from ddl.t_drop')).toEqual([{ n: 2 }]);

    // The others go on.
    await source.client.query(`insert into public.t_add values (4, 'd', default, null)`);
    await until(
      't_add to take the last insert',
      async () => (await rows(lake, 'select count(*) as n from ddl.t_add'))[0]!['n'] === 4,
    );
    await until('t_widen to take its insert', async () => {
      const widen = await status('t_widen');
      if (widen.state === 'error') throw new Error(widen.error!);
      return (await rows(lake, 'select count(*) as n from ddl.t_widen'))[0]!['n'] === 2;
    });
    expect(await rows(lake, 'select id, name, tier, memo from ddl.t_add order by id')).toEqual([
      { id: 1, name: 'a', tier: 'gold', memo: null },
      { id: 2, name: 'b', tier: 'gold', memo: null },
      { id: 3, name: 'c', tier: 'silver', memo: 'm' },
      { id: 4, name: 'd', tier: 'gold', memo: null },
    ]);
    expect(
      await rows(
        lake,
        'select id, n, small, amount::varchar as amount, name, f from ddl.t_widen order by id',
      ),
    ).toEqual([
      { id: 1, n: 7, small: 3, amount: '12.3400', name: 'ten chars!', f: 1.5 },
      {
        id: 2,
        n: 1099511627776,
        small: 100000,
        amount: '1234567890.1234',
        name: 'longer than ten',
        f: 2.25,
      },
    ]);
    const types = await rows(lake, `select column_name, column_type from (describe ddl.t_widen)`);
    expect(types.map((t) => t['column_type'])).toEqual([
      'INTEGER',
      'BIGINT',
      'INTEGER',
      'DECIMAL(14,4)',
      'VARCHAR',
      'DOUBLE',
    ]);
    // Reloading starts with deleting the task, which waits until it is stopped.
    await expect(lake.migrations.delete(TASK)).rejects.toMatchObject({
      code: 'MIGRATION_TASK_RUNNING',
    });
    const report = await lake.migrations.validate(TASK);
    expect(report.tables.map((t) => [t.sourceTable, t.match])).toEqual([
      ['public.t_add', true],
      ['public.t_widen', true],
    ]);
  });
});
