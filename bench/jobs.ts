// Jobs: (1) a CSV → Parquet job partitioned by day over 3 million flights, side by side with
// the same COPY ... PARTITION_BY in raw DuckDB, alternating runs; (2) a merge of 100,000
// changed rows into the 3-million-row table partitioned by day, narrow (few partitions
// touched) and wide (every partition touched), to show the cost follows the partitions.
//
// Data: vega-datasets' flights-3m (npm package vega-datasets@3.2.1 ships
// data/flights-3m.parquet; `cd /tmp/vega && npm pack vega-datasets@3.2.1 && tar xzf *.tgz`),
// converted to CSV here. Without it, a flights-like CSV of 3 million rows is generated
// deterministically (same columns, six months of 2001). BENCH_FLIGHTS=path overrides.
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Lake } from '../src/lake.js';
import { figure, median, ms, timed } from './measure.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const FLIGHTS = process.env['BENCH_FLIGHTS'] ?? '/tmp/vega/package/data/flights-3m.parquet';
const COLUMNS = `{'date': 'TIMESTAMP', 'delay': 'BIGINT', 'distance': 'BIGINT', 'origin': 'VARCHAR', 'destination': 'VARCHAR'}`;

const dir = await mkdtemp(join(tmpdir(), 'lakebox-bench-jobs-'));
const raw = await (await DuckDBInstance.create(':memory:')).connect();
const lake = await Lake.init(dir);
try {
  const csv = join(dir, 'flights-3m.csv');
  if (existsSync(FLIGHTS)) {
    await raw.run(`COPY (SELECT * FROM read_parquet('${FLIGHTS}')) TO '${csv}' (HEADER)`);
    figure('data', `vega-datasets flights-3m (${FLIGHTS}) as CSV`);
  } else {
    await raw.run(`COPY (
      SELECT TIMESTAMP '2001-01-01' + to_minutes((i * 7919) % 260640) AS date,
             ((i * 31) % 180) - 30 AS delay, 100 + (i * 13) % 2400 AS distance,
             ['ATL','ORD','DFW','LAX','DEN','SFO','SEA','JFK'][(i % 8) + 1] AS origin,
             ['BOS','MIA','PHX','LAS','MSP','DTW','IAH','CLT'][((i // 8) % 8) + 1] AS destination
      FROM range(3000000) t(i) ORDER BY date) TO '${csv}' (HEADER)`);
    figure('data', 'generated flights-like CSV (vega-datasets flights-3m not found)');
  }
  const csvBytes = (await stat(csv)).size;
  figure('CSV size', `${(csvBytes / 1024 / 1024).toFixed(1)} MiB, 3,000,000 rows`);

  // The CSV as an external table of the lake, as a crawler would register it.
  await lake.createDatabase('raw', { zone: 'raw' });
  const table = await lake.createTable('raw.flights', {
    kind: 'external',
    format: 'csv',
    location: 'raw/flights',
    columns: [
      { name: 'date', type: 'TIMESTAMP', nullable: true },
      { name: 'delay', type: 'BIGINT', nullable: true },
      { name: 'distance', type: 'BIGINT', nullable: true },
      { name: 'origin', type: 'VARCHAR', nullable: true },
      { name: 'destination', type: 'VARCHAR', nullable: true },
    ],
  });
  await copyFile(csv, join(dir, 'lake-copy.csv'));
  await lake.services.store.putFile('raw/flights/flights-3m.csv', join(dir, 'lake-copy.csv'));
  await lake.services.catalog.commit({
    table,
    parentSnapshotId: null,
    operation: 'append',
    addFiles: [
      {
        path: 'raw/flights/flights-3m.csv',
        format: 'csv',
        recordCount: 3_000_000,
        fileSize: csvBytes,
        partitionValues: {},
        columnStats: [],
      },
    ],
  });
  await lake.jobs.create('flights_by_day', {
    sql: 'select * from raw.flights',
    target: 'bench.flights',
    mode: 'overwrite',
    partitionBy: ['day(date)'],
  });

  const rawCopy = (out: string) =>
    raw.run(`COPY (SELECT *, CAST(date AS DATE) AS date_day
                   FROM read_csv('${csv}', header = true, auto_detect = false, columns = ${COLUMNS}))
             TO '${out}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (date_day), WRITE_PARTITION_COLUMNS true)`);
  const jobTimes: number[] = [];
  const rawTimes: number[] = [];
  let partitions = 0;
  for (let i = 0; i < RUNS; i++) {
    rawTimes.push((await timed(() => rawCopy(join(dir, `raw-out-${i}`)))).ms);
    const run = await timed(() => lake.jobs.run('flights_by_day'));
    if (run.value.status !== 'succeeded') throw new Error(JSON.stringify(run.value.error));
    jobTimes.push(run.ms);
    partitions = run.value.metrics['filesWritten'] ?? 0;
    await rm(join(dir, `raw-out-${i}`), { recursive: true, force: true });
  }
  figure(`raw DuckDB COPY ... PARTITION_BY, median of ${RUNS}`, ms(median(rawTimes)));
  figure(`lake.jobs.run (CSV → Parquet by day), median of ${RUNS}`, ms(median(jobTimes)));
  figure('files (one per day partition)', String(partitions));
  figure('runs: raw DuckDB', rawTimes.map((t) => t.toFixed(0)).join(' '));
  figure('runs: job', jobTimes.map((t) => t.toFixed(0)).join(' '));
  figure(
    'ratio job / raw DuckDB (target <= 1.15)',
    (median(jobTimes) / median(rawTimes)).toFixed(3),
  );
  // Each job run follows its anchor run, so the ratio within a pair shrugs off load that
  // drifts over the minute the benchmark takes.
  figure('median of paired ratios', median(jobTimes.map((t, i) => t / rawTimes[i]!)).toFixed(3));

  // (2) Merge 100,000 changed rows into the 3M-row table partitioned by day.
  await lake.writeTable(
    'bench.keyed',
    {
      sql: 'select row_number() over (order by date, origin, destination, delay, distance) as id, * from bench.flights',
    },
    { partitionBy: ['date_day'], sortBy: ['id'] },
  );
  const days = (
    await lake.query('select date_day, count(*) as n from bench.keyed group by 1 order by 1')
  ).rows();
  const narrowDays = [];
  let covered = 0;
  for (const day of days) {
    const value = day['date_day'];
    narrowDays.push(value instanceof Date ? value.toISOString().slice(0, 10) : String(value));
    covered += Number(day['n']);
    if (covered >= 100_000) break;
  }
  const changed = {
    narrow: `select * replace (delay + 1 as delay) from bench.keyed where date_day <= '${narrowDays.at(-1)}'::date order by id limit 100000`,
    wide: `select * replace (delay + 1 as delay) from bench.keyed where id % 30 = 0 limit 100000`,
  };
  for (const [shape, sql] of Object.entries(changed)) {
    await lake.jobs.create(`merge_${shape}`, {
      sql,
      target: 'bench.keyed',
      mode: 'merge',
      mergeKeys: ['id', 'date_day'],
    });
    const run = await timed(() => lake.jobs.run(`merge_${shape}`));
    if (run.value.status !== 'succeeded') throw new Error(JSON.stringify(run.value.error));
    const m = run.value.metrics;
    figure(
      `merge 100,000 rows, ${shape} (${shape === 'narrow' ? narrowDays.length : days.length} of ${days.length} days)`,
      `${(run.ms / 1000).toFixed(2)} s, ${m['filesRemoved']} file(s) rewritten, ${m['rowsRemoved']} rows rewritten, ${m['rowsUpdated']} updated`,
    );
  }
} finally {
  raw.closeSync();
  await lake.close();
  await rm(dir, { recursive: true, force: true });
}
