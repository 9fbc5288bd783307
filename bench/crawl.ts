// Crawl of 10,000 small files in 100 Hive partitions, half CSV and half Parquet: the first
// crawl (everything new), then a re-crawl with nothing new, with the process's peak RSS.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Lake } from '../src/lake.js';
import { figure, median, ms, timed } from './measure.js';

const PARTITIONS = Number(process.env['BENCH_PARTITIONS'] ?? 100);
const FILES_PER_PARTITION = Number(process.env['BENCH_FILES'] ?? 100);
const RECRAWLS = Number(process.env['BENCH_RUNS'] ?? 5);

const dir = await mkdtemp(join(tmpdir(), 'lakebox-bench-crawl-'));
const lake = await Lake.init(dir);
try {
  const made = await timed(async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    for (let p = 0; p < PARTITIONS; p++) {
      const day = new Date(Date.UTC(2024, 0, 1 + p)).toISOString().slice(0, 10);
      const folder = join(dir, 'raw', 'bench', 'events', `day=${day}`);
      await mkdir(folder, { recursive: true });
      for (let f = 0; f < FILES_PER_PARTITION / 2; f++) {
        const rows = Array.from(
          { length: 20 },
          (_, i) => `${p * 1000 + i},user${i},${(i * 1.25).toFixed(2)}`,
        );
        await writeFile(join(folder, `part-${f}.csv`), `id,user,amount\n${rows.join('\n')}\n`);
        await duck.run(
          `COPY (SELECT range + ${p * 1000} AS id, 'user' || range AS user, range * 1.25 AS amount FROM range(20)) TO '${join(folder, `part-${f}.parquet`)}' (FORMAT parquet)`,
        );
      }
    }
    duck.closeSync();
  });
  figure(`write ${PARTITIONS * FILES_PER_PARTITION} files`, ms(made.ms));

  await lake.crawlers.create('bench', { database: 'bench', targets: [{ path: 'raw/bench/' }] });
  const first = await timed(() => lake.crawlers.run('bench'));
  figure(
    `first crawl (${first.value.metrics['filesRegistered']} files, ${first.value.metrics['tablesCreated']} tables)`,
    ms(first.ms),
  );
  const recrawls: number[] = [];
  for (let i = 0; i < RECRAWLS; i++)
    recrawls.push((await timed(() => lake.crawlers.run('bench'))).ms);
  figure('re-crawl, nothing new, median', ms(median(recrawls)));
  const query = await timed(() =>
    lake.query("select count(*) as n from bench.events_parquet where day = DATE '2024-01-10'"),
  );
  figure('query one partition of the crawled Parquet table', ms(query.ms));
  figure('peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  await lake.close();
  await rm(dir, { recursive: true, force: true });
}
