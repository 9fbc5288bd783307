import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';
import { rows, sourceDatabase } from './migrate-fixture.js';

/** Polls (no fixed sleeps) until the task has confirmed the source's current WAL position. */
async function caughtUp(lake: Lake, task: string, client: import('pg').Client): Promise<void> {
  const { rows: head } = await client.query<{ lsn: string }>(
    'select pg_current_wal_lsn()::text as lsn',
  );
  const target = toBig(head[0]!.lsn);
  for (;;) {
    const status = await lake.migrations.status(task);
    if (status.run && ['failed', 'cancelled'].includes(status.run.status))
      throw new Error(`run ended ${status.run.status}: ${status.run.error?.message}`);
    if (status.task.confirmedLsn && toBig(status.task.confirmedLsn) >= target) return;
    // Keep the WAL moving so an idle slot still confirms past the head we read.
    await client.query('select pg_logical_emit_message(true, $1, $2)', ['lakebox-test', 'tick']);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function toBig(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

describe('CDC from PostgreSQL', () => {
  let lake: Lake;
  let source: Awaited<ReturnType<typeof sourceDatabase>>;
  let cleanupLake: () => Promise<void>;

  beforeAll(async () => {
    ({ lake, cleanup: cleanupLake } = await tempLake());
    source = await sourceDatabase();
    await source.client.query(`
      create table public.orders (id bigint primary key, amount numeric(10,2), note text, at timestamptz);
      insert into public.orders select g, g * 1.5, 'n' || g, '2024-01-01'::timestamptz + g * interval '1 minute' from generate_series(1, 100) g;
      create table public.customers (id int primary key, name text);
      insert into public.customers values (1, 'ann'), (2, 'bob');
      create table public.logs (line text);
    `);
    await lake.sources.create('pg', { engine: 'postgres', ...source.settings });
  });
  afterAll(async () => {
    const stopped = await lake.migrations.stop('shop').catch(() => null);
    if (stopped) await lake.migrations.wait(stopped.id);
    await lake.migrations.delete('shop');
    await source.cleanup();
    await cleanupLake();
  });

  it('loads, then applies inserts, updates, deletes, truncates and added columns by key', async () => {
    expect((await lake.sources.test('pg')).ok).toBe(true);
    await lake.migrations.create('shop', {
      source: 'pg',
      targetDatabase: 'shop',
      type: 'full-load-and-cdc',
      mappings: { selection: [{ action: 'include', schema: 'public', table: '%' }] },
      settings: { batchSeconds: 0.2, batchChanges: 500 },
    });
    const run = await lake.migrations.start('shop');
    for (;;) {
      const status = await lake.migrations.status('shop');
      if (status.tables.filter((t) => t.state === 'replicating').length === 2) break;
      if (status.run && ['failed', 'succeeded'].includes(status.run.status))
        throw new Error(status.run.error?.message);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const logs = (await lake.migrations.status('shop')).tables.find(
      (t) => t.sourceTable === 'logs',
    )!;
    expect(logs.state).toBe('error');
    expect(logs.error).toMatch(/no primary key.*REPLICA IDENTITY FULL/);

    await source.client.query(`
      insert into public.orders values (101, 1, 'new', now());
      update public.orders set amount = 0, note = 'upd' where id <= 10;
      delete from public.orders where id between 11 and 20;
      update public.orders set id = 1000 where id = 30;
      alter table public.orders add column status text;
      update public.orders set status = 'paid' where id = 1;
      insert into public.customers values (3, 'cy');
      truncate public.customers;
      insert into public.customers values (4, 'dee');
    `);
    await caughtUp(lake, 'shop', source.client);
    expect(await rows(lake, 'select count(*) as n, sum(amount) as total from shop.orders')).toEqual(
      [{ n: 91, total: '7261.00' }],
    );
    expect(
      await rows(
        lake,
        'select id, amount, note, status from shop.orders where id in (1, 11, 30, 1000, 101) order by id',
      ),
    ).toEqual([
      { id: 1, amount: 0, note: 'upd', status: 'paid' },
      { id: 101, amount: 1, note: 'new', status: null },
      { id: 1000, amount: 45, note: 'n30', status: null },
    ]);
    expect(await rows(lake, 'select * from shop.customers')).toEqual([{ id: 4, name: 'dee' }]);
    const ops = await rows(
      lake,
      'select _op, count(*) as n from shop.orders_changes group by 1 order by 1',
    );
    expect(ops).toEqual([
      { _op: 'D', n: 11 },
      { _op: 'I', n: 1 },
      { _op: 'U', n: 12 },
    ]);
    const report = await lake.migrations.validate('shop');
    expect(report.tables.map((t) => [t.sourceTable, t.match])).toEqual([
      ['public.customers', true],
      ['public.orders', true],
    ]);

    // A table dropped under replication goes to error; the others continue.
    await source.client.query('drop table public.customers');
    await source.client.query(`insert into public.orders values (102, 2, 'after drop', now())`);
    await caughtUp(lake, 'shop', source.client);
    for (;;) {
      const customers = (await lake.migrations.status('shop')).tables.find(
        (t) => t.sourceTable === 'customers',
      )!;
      if (customers.state === 'error') {
        expect(customers.error).toMatch(/dropped/);
        break;
      }
      await source.client.query('select pg_logical_emit_message(true, $1, $2)', [
        'lakebox-test',
        'tick',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await rows(lake, 'select note from shop.orders where id = 102')).toEqual([
      { note: 'after drop' },
    ]);
    await lake.migrations.stop('shop');
    const ended = await lake.migrations.wait(run.id);
    expect(ended.status).toBe('cancelled');
  });
});
