// CDC from PostgreSQL under a steady load: BENCH_RATE changes/s (5,000) for BENCH_SECONDS
// (60) of inserts, updates and deletes across 3 tables, while the task runs in its own
// process as `lakebox migrate start --wait` would. Lag is measured from the outside: every
// transaction stamps its sequence number `tx` on the rows it writes, its commit time is taken
// when COMMIT returns, and a poller queries the lake tables for max(tx); a transaction is
// queryable once every table shows a tx at least as high (batches apply whole transactions
// in commit order). The observation time is taken after the poll's query has returned.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Lake } from '../src/lake.js';
import { createTestDatabase, startPostgres } from '../test/support/postgres-server.js';
import { printed, spawnScript } from '../test/support/spawn-node.js';
import { figure, median, percentile } from './measure.js';

const RATE = Number(process.env['BENCH_RATE'] ?? 5_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 60);
const ROWS = Number(process.env['BENCH_ROWS'] ?? 100_000);
const TABLES = ['accounts', 'orders', 'events'];
// Per table and transaction: 12 inserts, 16 updates, 6 deletes; 102 changes a transaction.
const MIX = { insert: 12, update: 16, delete: 6 };
const PER_TXN = TABLES.length * (MIX.insert + MIX.update + MIX.delete);

const server = await startPostgres({ durable: true });
const dir = await mkdtemp(join(tmpdir(), 'lakebox-bench-cdc-'));
try {
  const url = await createTestDatabase(server.url, 'bench_cdc');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const table of TABLES)
    await client.query(`create table ${table} (id bigint primary key, tx bigint, amount numeric(12,2), note text, at timestamptz);
      insert into ${table} select g, 0, g * 0.01, md5(g::text), '2024-01-01' from generate_series(1, ${ROWS}) g;`);
  const parsed = new URL(url);
  process.env['BENCH_PG_PASSWORD'] = 'postgres';
  const lakeDir = join(dir, 'lake');
  const lake = await Lake.init(lakeDir);
  await lake.sources.create('bench', {
    engine: 'postgres',
    host: parsed.hostname,
    port: Number(parsed.port),
    database: parsed.pathname.slice(1),
    user: 'postgres',
    password: '${env:BENCH_PG_PASSWORD}',
  });
  await lake.migrations.create('cdc', {
    source: 'bench',
    targetDatabase: 'bench',
    type: 'full-load-and-cdc',
    mappings: { selection: [{ action: 'include', schema: 'public', table: '%' }] },
  });
  const task = spawnScript('fixtures/cdc-task.ts', [lakeDir, 'cdc']);
  await printed(task, 'started');
  for (;;) {
    const status = await lake.migrations.status('cdc');
    if (status.run?.status === 'failed') throw new Error(status.run.error?.message);
    if (status.tables.length === 3 && status.tables.every((t) => t.state === 'replicating')) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const live = TABLES.map(() => Array.from({ length: ROWS }, (_, i) => i + 1));
  let nextId = ROWS + 1;
  const committedAt: number[] = [0];
  let changes = 0;
  const transaction = (tx: number) => {
    const statements = TABLES.map((table, t) => {
      const ids = live[t]!;
      const pick = (n: number) =>
        Array.from({ length: n }, () => ids.splice(Math.floor(Math.random() * ids.length), 1)[0]!);
      const deleted = pick(MIX.delete);
      const updated = pick(MIX.update);
      const inserted = Array.from({ length: MIX.insert }, () => nextId++);
      ids.push(...updated, ...inserted);
      return `insert into ${table} select id, ${tx}, id * 0.01, 'new', clock_timestamp() from unnest('{${inserted.join(',')}}'::bigint[]) id;
        update ${table} set tx = ${tx}, amount = amount + 1, at = clock_timestamp() where id = any('{${updated.join(',')}}'::bigint[]);
        delete from ${table} where id = any('{${deleted.join(',')}}'::bigint[]);`;
    });
    return `begin; ${statements.join('\n')} commit;`;
  };

  // The poller: which transaction is queryable in every lake table, and when.
  const lags: number[] = [];
  let seen = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const result = await lake.query(
        `select least(${TABLES.map((t) => `(select max(tx) from bench.${t})`).join(', ')}) as tx`,
      );
      const now = Date.now();
      const visible = Number((result.jsonRows()[0] as { tx: number | null }).tx ?? 0);
      for (; seen < visible && seen + 1 < committedAt.length; seen++)
        lags.push(now - committedAt[seen + 1]!);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  // The writer: one transaction every PER_TXN / RATE seconds, on a fixed schedule (a late
  // one runs at once, so the rate holds on average).
  const interval = (PER_TXN / RATE) * 1000;
  const start = Date.now();
  for (let tx = 1; Date.now() - start < SECONDS * 1000; tx++) {
    const due = start + (tx - 1) * interval;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    await client.query(transaction(tx));
    committedAt[tx] = Date.now();
    changes += PER_TXN;
  }
  const elapsed = (Date.now() - start) / 1000;
  const last = committedAt.length - 1;
  const deadline = Date.now() + 120_000;
  while (seen < last && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  polling = false;
  await poller;

  const status = await lake.migrations.status('cdc');
  figure(
    `workload (3 tables of ${ROWS.toLocaleString()} rows)`,
    `${changes.toLocaleString()} changes in ${last} transactions, ${elapsed.toFixed(1)} s`,
  );
  figure('achieved change rate', `${Math.round(changes / elapsed).toLocaleString()} changes/s`);
  figure(
    'lag commit → queryable in the lake, p50',
    `${(median(lags) / 1000).toFixed(2)} s (${lags.length} of ${last} transactions seen)`,
  );
  figure('lag p95 (target < 2 s)', `${(percentile(lags, 95) / 1000).toFixed(2)} s`);
  figure('lag max', `${(Math.max(...lags) / 1000).toFixed(2)} s`);
  figure(
    'changes applied (task status)',
    status.tables.reduce((n, t) => n + t.changesApplied, 0).toLocaleString(),
  );
  figure('task lag p95 (run metrics)', `${status.run?.metrics['lagP95Ms'] ?? '?'} ms`);

  task.kill('SIGTERM');
  await new Promise((resolve) => task.once('exit', resolve));
  await lake.migrations.delete('cdc');
  await client.end();
  await lake.close();
} finally {
  await rm(dir, { recursive: true, force: true });
  await server.stop();
}
