// 1,000 sequential small appends: the latency of one catalog commit (snapshot, file and
// statistics rows, pointer move, event) on SQLite and on PostgreSQL, and of a whole
// writeTable of one record (DuckDB write + store + commit) for context.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../src/catalog/catalog.js';
import type { NewDataFile } from '../src/catalog/catalog-types.js';
import { EventLog } from '../src/events/event-log.js';
import { Lake } from '../src/lake.js';
import { dialectFor } from '../src/meta/dialects/dialect-for.js';
import { openMetaDb, type MetaDb } from '../src/meta/meta-db.js';
import { startPostgres } from '../test/support/postgres-server.js';
import { figure, median, ms, percentile, timed } from './measure.js';

const COMMITS = Number(process.env['BENCH_COMMITS'] ?? 1000);

async function commitLatencies(meta: MetaDb): Promise<number[]> {
  const catalog = new Catalog(meta.db, new EventLog(meta.db, meta.dialect));
  await catalog.createDatabase('bench');
  let table = await catalog.createTable('bench.appends', {
    columns: [
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'v', type: 'VARCHAR', nullable: true },
    ],
  });
  const latencies: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    const file: NewDataFile = {
      path: `processed/bench/appends/data/part-${i}.parquet`,
      format: 'parquet',
      recordCount: 1,
      fileSize: 512,
      partitionValues: {},
      columnStats: [
        { column: 'id', valueCount: 1, nullCount: 0, min: String(i), max: String(i) },
        { column: 'v', valueCount: 1, nullCount: 0, min: 'x', max: 'x' },
      ],
    };
    const { ms: elapsed, value } = await timed(() =>
      catalog.commit({
        table,
        parentSnapshotId: table.currentSnapshotId,
        operation: 'append',
        addFiles: [file],
      }),
    );
    latencies.push(elapsed);
    table = { ...table, currentSnapshotId: value.id };
  }
  return latencies;
}

function report(label: string, latencies: number[]): void {
  figure(`${label}: median commit`, ms(median(latencies)));
  figure(`${label}: p95 commit`, ms(percentile(latencies, 95)));
}

const dir = await mkdtemp(join(tmpdir(), 'lakebox-bench-commit-'));
try {
  const sqlite = await openMetaDb(await dialectFor({ type: 'sqlite', file: join(dir, 'meta.db') }));
  report(`SQLite, ${COMMITS} commits (target median < 5 ms)`, await commitLatencies(sqlite));
  await sqlite.close();

  const server = await startPostgres({ durable: true });
  try {
    const postgres = await openMetaDb(await dialectFor({ type: 'postgres', url: server.url }));
    report(`PostgreSQL (fsync on), ${COMMITS} commits`, await commitLatencies(postgres));
    await postgres.close();
  } finally {
    await server.stop();
  }

  const lake = await Lake.init(join(dir, 'lake'));
  const writes: number[] = [];
  for (let i = 0; i < 200; i++)
    writes.push((await timed(() => lake.writeTable('bench.rows', [{ id: i }]))).ms);
  figure('whole writeTable of one record (SQLite), median', ms(median(writes)));
  await lake.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
