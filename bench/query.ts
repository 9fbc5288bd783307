// Aggregation over 10 million rows of Parquet: through lake.query (catalog lookup, snapshot
// pinning, view binding) and through raw DuckDB on the very same files, alternating runs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Lake } from '../src/lake.js';
import { figure, median, ms, timed } from './measure.js';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 10_000_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 7);
const SQL = (from: string) =>
  `select category, count(*) as n, sum(amount) as total, avg(quantity) as avg_qty, max(ts) as latest from ${from} group by category order by category`;

const dir = await mkdtemp(join(tmpdir(), 'lakebox-bench-query-'));
const lake = await Lake.init(dir);
try {
  const load = await timed(() =>
    lake.writeTable('bench.sales', {
      sql: `select range as id, (range % 50)::integer as category, (range % 9973) * 0.37 as amount,
              (range % 17)::integer as quantity, TIMESTAMP '2026-01-01' + to_seconds(range % 31536000) as ts
            from range(${ROWS})`,
    }),
  );
  figure(`write ${ROWS.toLocaleString()} rows (${load.value.filesWritten} file(s))`, ms(load.ms));

  const table = await lake.services.catalog.getTable('bench.sales');
  const paths = (await lake.services.catalog.files(table)).map((f) => `'${join(dir, f.path)}'`);
  const raw = await (await DuckDBInstance.create(':memory:')).connect();
  const rawSql = SQL(`read_parquet([${paths.join(', ')}])`);

  await lake.query(SQL('bench.sales')); // warm both: file cache, DuckDB metadata cache
  await raw.runAndReadAll(rawSql);
  // Without external access the query runs in the sandboxed instance (docs/query.md).
  const sandboxed = () => lake.query(SQL('bench.sales'), { externalAccess: false });
  await sandboxed();
  const lakeTimes: number[] = [];
  const rawTimes: number[] = [];
  const sandboxTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    rawTimes.push((await timed(() => raw.runAndReadAll(rawSql))).ms);
    lakeTimes.push((await timed(() => lake.query(SQL('bench.sales')))).ms);
    sandboxTimes.push((await timed(sandboxed)).ms);
  }
  figure('raw DuckDB, median', ms(median(rawTimes)));
  figure('lake.query, median', ms(median(lakeTimes)));
  figure('lake.query without external access, median', ms(median(sandboxTimes)));
  figure(
    'ratio lake.query / raw DuckDB (target <= 1.05)',
    (median(lakeTimes) / median(rawTimes)).toFixed(3),
  );
  figure(
    'ratio without external access / raw DuckDB',
    (median(sandboxTimes) / median(rawTimes)).toFixed(3),
  );
  raw.closeSync();
} finally {
  await lake.close();
  await rm(dir, { recursive: true, force: true });
}
