// Full load of one PostgreSQL table (bigint, timestamptz, text, numeric(12,2), text, small
// jsonb) into Parquet, beside anchors measured in the same run: COPY csv and binary drained
// to nowhere, and the naive path (COPY to a CSV file, then DuckDB CSV → Parquet).
// The CDC figure (5,000 changes/s for 60 s, p95 lag) is bench/migrate-cdc.ts.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { Lake } from '../src/lake.js';
import { createTestDatabase, startPostgres } from '../test/support/postgres-server.js';
import { figure, median, ms, timed } from './measure.js';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 2_000_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
// Key ranges read in parallel; the task's default (DEFAULT_SETTINGS.rangeParts) is 4.
const PARTS = Number(process.env['BENCH_RANGE_PARTS'] ?? 4);

const server = await startPostgres({ durable: true });
const dir = await mkdtemp(join(tmpdir(), 'lakebox-bench-migrate-'));
try {
  const url = await createTestDatabase(server.url, 'bench');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`create table t (id bigint primary key, ts timestamptz, name text, amount numeric(12,2), note text, meta jsonb);
    insert into t select g, '2024-01-01'::timestamptz + g * interval '1 second', 'name ' || g, (g % 100000) / 100.0,
      md5(g::text), jsonb_build_object('k', g % 10, 'v', 'x') from generate_series(1, ${ROWS}) g; analyze t;`);
  const drain = async (format: string) =>
    pipeline(
      client.query(copyTo(`copy (select * from t) to stdout (format ${format})`)),
      new Writable({ write: (_c, _e, done) => done() }),
    );
  const parsed = new URL(url);
  process.env['BENCH_PG_PASSWORD'] = 'postgres';
  const lake = await Lake.init(join(dir, 'lake'));
  await lake.sources.create('bench', {
    engine: 'postgres',
    host: parsed.hostname,
    port: Number(parsed.port),
    database: parsed.pathname.slice(1),
    user: 'postgres',
    password: '${env:BENCH_PG_PASSWORD}',
  });
  const csv: number[] = [];
  const binary: number[] = [];
  const naive: number[] = [];
  const lakebox: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    csv.push((await timed(() => drain('csv'))).ms);
    binary.push((await timed(() => drain('binary'))).ms);
    naive.push(
      (
        await timed(async () => {
          const file = join(dir, `naive-${i}.csv`);
          await pipeline(
            client.query(copyTo('copy (select * from t) to stdout (format csv)')),
            createWriteStream(file),
          );
          await lake.writeTable(`naive.t${i}`, { files: [file], format: 'csv' });
        })
      ).ms,
    );
    await lake.migrations.create(`load${i}`, {
      source: 'bench',
      targetDatabase: `bench${i}`,
      type: 'full-load',
      mappings: { selection: [{ action: 'include', schema: 'public', table: 't' }] },
      settings: { splitRows: 500_000, rangeParts: PARTS },
    });
    lakebox.push(
      (await timed(async () => lake.migrations.wait((await lake.migrations.start(`load${i}`)).id)))
        .ms,
    );
  }
  const rate = (t: number) => `${(((ROWS / t) * 1000) / 1e6).toFixed(2)} M rows/s`;
  figure(
    `COPY csv drained (${ROWS.toLocaleString()} rows), median`,
    `${ms(median(csv))}  ${rate(median(csv))}`,
  );
  figure('COPY binary drained, median', `${ms(median(binary))}  ${rate(median(binary))}`);
  figure(
    'naive: COPY to CSV file, DuckDB → lake, median',
    `${ms(median(naive))}  ${rate(median(naive))}`,
  );
  figure(
    'lakebox full load (stream → Parquet), median',
    `${ms(median(lakebox))}  ${rate(median(lakebox))}`,
  );
  figure(
    'ratio full-load rate / COPY csv rate (target ≥ 0.8)',
    (median(csv) / median(lakebox)).toFixed(2),
  );
  figure('ratio full-load rate / naive rate', (median(naive) / median(lakebox)).toFixed(2));
  await client.end();
  await lake.close();
} finally {
  await rm(dir, { recursive: true, force: true });
  await server.stop();
}
