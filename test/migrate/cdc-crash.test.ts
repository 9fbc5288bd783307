import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { printed, spawnScript } from '../support/spawn-node.js';
import { tempLake } from '../support/temp-lake.js';
import { rows, sourceDatabase } from './migrate-fixture.js';
import { changeWorkload, type WorkloadTotals } from './change-workload.js';

const TASK = 'crash';
const CHANGES = Number(process.env['LAKEBOX_CDC_CRASH_CHANGES'] ?? 100_000);
const TABLES = ['accounts', 'events', 'orders'] as const; // as validate lists them

/** Polls `check` (no fixed sleeps) until it is true, failing after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function lsnNumber(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

function exitOf(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.exitCode ?? child.signalCode!);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal!)));
}

describe('CDC killed mid-stream', () => {
  let lake: Lake;
  let dir: string;
  let source: Awaited<ReturnType<typeof sourceDatabase>>;
  let cleanupLake: () => Promise<void>;
  const children: ChildProcess[] = [];

  const startTask = async () => {
    const child = spawnScript('fixtures/cdc-task.ts', [dir, TASK]);
    children.push(child);
    await printed(child, 'started');
    return child;
  };

  beforeAll(async () => {
    ({ lake, dir, cleanup: cleanupLake } = await tempLake());
    source = await sourceDatabase();
    await source.client.query(`
      create table public.accounts (id bigint primary key, name text, balance numeric(12,2), updated_at timestamptz);
      insert into public.accounts select g, 'acct ' || g, g * 0.5, '2024-01-01' from generate_series(1, 3000) g;
      create table public.orders (id bigint primary key, account bigint, amount double precision, status text, tags text[]);
      insert into public.orders select g, g % 3000, g * 0.25, 'new', '{a,b}' from generate_series(1, 3000) g;
      create table public.events (writer int, seq bigint, kind text, payload jsonb, primary key (writer, seq));
      insert into public.events select g % 3, g, 'seed', jsonb_build_object('g', g) from generate_series(1, 3000) g;
    `);
    await lake.sources.create('pg', { engine: 'postgres', ...source.settings });
    await lake.migrations.create(TASK, {
      source: 'pg',
      targetDatabase: 'crash',
      type: 'full-load-and-cdc',
      mappings: { selection: [{ action: 'include', schema: 'public', table: '%' }] },
      settings: { batchSeconds: 0.5, batchChanges: 10_000 },
    });
  });
  afterAll(async () => {
    for (const child of children) {
      child.kill('SIGKILL');
      await exitOf(child);
    }
    await lake.migrations.delete(TASK).catch(() => undefined); // drops the slot
    await source.cleanup();
    await cleanupLake();
  });

  it(`loses and doubles none of ${CHANGES.toLocaleString()} changes across two SIGKILLs and restarts`, async () => {
    const status = () => lake.migrations.status(TASK);
    const first = await startTask();
    await until('the full load and the start of replication', async () => {
      const s = await status();
      if (s.run?.status === 'failed') throw new Error(s.run.error?.message);
      return s.tables.length === 3 && s.tables.every((t) => t.state === 'replicating');
    });

    // Three writers commit interleaved transactions of inserts, updates and deletes on all
    // three tables. A first part is committed and partly applied; the rest comes in two
    // parts, during each of which the task's process is SIGKILLed once a batch of it has
    // been applied, and started again while the changes keep coming.
    const workload = changeWorkload(source.url, { writers: 3, seed: 7 });
    const applied = async () => (await status()).tables.reduce((n, t) => n + t.changesApplied, 0);
    // A change table already holds a batch whose LSN is not confirmed yet: the worst moment
    // to die, as the restart replays changes that are partly in the lake.
    const midBatch = async () => {
      const confirmed = (await status()).task.confirmedLsn;
      if (!confirmed) return false;
      for (const table of TABLES) {
        // A change table is made by its first batch.
        const [latest] = await lake.history(`crash.${table}_changes`, { limit: 1 }).catch(() => []);
        const lsn = latest?.summary['cdcLsn'];
        if (lsn !== undefined && BigInt(lsn) > lsnNumber(confirmed)) return true;
      }
      return false;
    };
    const killMidStream = async (child: ChildProcess, part: number) => {
      const appliedBefore = await applied();
      const committedBefore = workload.committed();
      let killed!: () => void;
      const writing = workload.run(part, new Promise<void>((resolve) => (killed = resolve)));
      await until(
        'a batch applied, more changes committed and the next batch half applied',
        async () =>
          (await applied()) > appliedBefore &&
          workload.committed() > committedBefore + 2_000 &&
          (await midBatch()),
      );
      expect((await status()).run?.status).toBe('running');
      child.kill('SIGKILL');
      expect(await exitOf(child)).toBe('SIGKILL');
      const atKill = workload.committed();
      killed();
      await until('changes committed after the kill', async () => workload.committed() > atKill);
      const next = await startTask();
      await writing;
      return next;
    };
    try {
      await workload.run(Math.floor(CHANGES / 4));
      const second = await killMidStream(first, Math.floor(CHANGES / 3));
      const third = await killMidStream(second, Math.max(0, CHANGES - workload.committed()));
      const totals: WorkloadTotals = await workload.finish();
      expect(totals.changes).toBeGreaterThanOrEqual(CHANGES);

      // The last transaction touches every table: once all three show it, all is applied.
      await until('the last transaction in the lake', async () => {
        const s = await status();
        if (s.run && s.run.status !== 'running')
          throw new Error(`run ${s.run.status}: ${s.run.error?.message}`);
        const found = await rows(
          lake,
          `select (select count(*) from crash.accounts where id = ${totals.marker}) +
                  (select count(*) from crash.orders where id = ${totals.marker}) +
                  (select count(*) from crash.events where writer = -1 and seq = ${totals.marker}) as n`,
        );
        return Number(found[0]!['n']) === 3;
      });
      third.kill('SIGTERM');
      expect(await exitOf(third)).toBe(0);

      const report = await lake.migrations.validate(TASK);
      expect(
        report.tables.map((t) => [t.sourceTable, t.sourceRows === t.lakeRows, t.match]),
      ).toEqual(TABLES.map((t) => [`public.${t}`, true, true]));
      // Each change is in its change table once: none lost, none twice.
      for (const table of TABLES) {
        const [counts] = await rows(
          lake,
          `select count(*) as n, count(distinct (_lsn, _seq)) as distinct_changes,
                  count(*) filter (where _op = 'I') as i, count(*) filter (where _op = 'U') as u,
                  count(*) filter (where _op = 'D') as d
             from crash.${table}_changes`,
        );
        const expected = totals.byTable[table];
        expect({ table, ...counts }).toEqual({
          table,
          n: expected.inserts + expected.updates + expected.deletes,
          distinct_changes: expected.inserts + expected.updates + expected.deletes,
          i: expected.inserts,
          u: expected.updates,
          d: expected.deletes,
        });
      }
    } finally {
      await workload.close();
    }
    await lake.migrations.delete(TASK);
    const { rows: slots } = await source.client.query<{ n: number }>(
      'select count(*)::int as n from pg_replication_slots where slot_name = $1',
      [`lakebox_${TASK}`],
    );
    expect(slots[0]!.n).toBe(0);
  }, 240_000);
});
