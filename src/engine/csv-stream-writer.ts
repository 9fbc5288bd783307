import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog/catalog.js';
import type { Column, NewDataFile, Table } from '../catalog/catalog-types.js';
import { withCommitRetry } from '../catalog/commit-retry.js';
import { parseTableName, quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';
import { isLakeError } from '../errors/lake-error.js';
import type { ObjectStore } from '../storage/object-store.js';
import { copiedFileKey, dataFileFromCopyStats, type CopyStatsRow } from './copy-stats.js';
import { sqlError, type DuckEngine } from './duck-engine.js';
import type { QueryRunner } from './query-runner.js';
import { planColumns } from './column-plan.js';
import type { WriteResult } from './table-writer.js';

const execFileAsync = promisify(execFile);

/** CSV byte streams (no header, RFC 4180) with the columns and types of their fields. */
export interface CsvStreams {
  columns: Array<{ name: string; type: string }>;
  /**
   * The table's columns as DuckDB expressions over the CSV's columns (renames, drops, added
   * literal or SQL columns); every CSV column as it is when absent.
   */
  projection?: Array<{ name: string; expression: string }>;
  streams: Readable[];
}

export interface CsvWriteOptions {
  mode: 'append' | 'overwrite';
  addColumns?: boolean;
  operation?: string;
  /** Kept in the snapshot's summary, atomically with the data (CDC keeps its LSN there). */
  summary?: Record<string, number | string>;
  targetFileSize?: string;
}

/** A CSV line DuckDB could not read into the columns' types: the row is skipped, this kept. */
export interface CsvReject {
  line: number;
  column: string | null;
  reason: string;
  csvLine: string;
}

export interface CsvWriteResult extends WriteResult {
  rejects: CsvReject[];
  rejectedRows: number;
}

export interface TableComparison {
  sourceRows: number;
  lakeRows: number;
  sourceChecksum: string;
  lakeChecksum: string;
  /** Keys (as JSON arrays) of rows that differ, at most `sampleSize`. */
  sampleKeys: string[];
}

let scanCounter = 0;

/**
 * Writes a table from CSV streams while they arrive: each stream is fed into a FIFO that
 * DuckDB's CSV reader reads (one statement per stream, run side by side), and DuckDB
 * writes Parquet straight from that scan, so no CSV ever lands on disk. Values that do not
 * fit their column's type are kept as rejects (DuckDB's `store_rejects`) and the load goes
 * on. One snapshot per call, committed like every table write.
 */
export class CsvStreamWriter {
  constructor(
    private readonly engine: DuckEngine,
    private readonly catalog: Catalog,
    private readonly store: ObjectStore,
    private readonly stagingRoot: string,
    private readonly queries?: QueryRunner,
  ) {}

  async write(name: string, input: CsvStreams, options: CsvWriteOptions): Promise<CsvWriteResult> {
    parseTableName(name);
    const staging = join(this.stagingRoot, randomUUID());
    await mkdir(staging, { recursive: true });
    try {
      return await this.engine.withConnection(async (connection) => {
        const sourceColumns = await describeProjection(connection, input);
        let table = await this.ensureTable(name, sourceColumns);
        const target = await this.catalog.schema(table);
        const plan = planColumns(table, target.columns, sourceColumns, {
          addColumns: options.addColumns ?? false,
        });
        // One COPY per stream, each on its own connection: DuckDB reads the FIFOs of one
        // multi-file scan one after another, and a pipe is parsed by a single thread, so
        // separate statements are what keeps every key range (and every core) busy at once.
        const parts = await this.feed(staging, input, (reader) =>
          Promise.all(
            Array.from({ length: Math.max(1, input.streams.length) }, (_, i) =>
              this.engine.withConnection(async (part) => {
                const outDir = join(staging, `out-${i}`);
                const scan = `lakebox_rejects_${process.pid}_${++scanCounter}`;
                const copied = await part.runAndReadAll(
                  `COPY (SELECT ${plan.projection} FROM (SELECT ${projectionSql(input)} FROM ${reader(scan, i)})) TO ${quoteLiteral(outDir)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, FILENAME_PATTERN 'part-{uuid}', RETURN_STATS true, FILE_SIZE_BYTES ${quoteLiteral(options.targetFileSize ?? '512MB')})`,
                );
                return {
                  outDir,
                  stats: copied.getRowObjectsJson() as unknown as CopyStatsRow[],
                  ...(await readRejects(part, scan)),
                };
              }),
            ),
          ),
        );
        const rejects = parts.flatMap((p) => p.rejects);
        const rejectedRows = parts.reduce((n, p) => n + p.rejectedRows, 0);
        const written = parts.flatMap(({ outDir, stats }) =>
          stats
            .filter((row) => Number(row.count) > 0)
            .map((row) => ({
              row,
              key: copiedFileKey(`${table.location}/data`, outDir, row.filename),
            })),
        );
        // Announced by the commit that adds them (NewDataFile.created), not on upload.
        await (this.store.withoutEvents?.() ?? this.store).putFiles(
          written.map(({ row, key }) => ({ key, localPath: row.filename })),
        );
        const files: NewDataFile[] = written.map(({ row, key }) => dataFileFromCopyStats(row, key));
        const snapshot = await withCommitRetry(async () => {
          table = await this.catalog.getTable(table.fullName);
          return this.catalog.commit({
            table,
            parentSnapshotId: table.currentSnapshotId,
            operation: options.operation ?? options.mode,
            addFiles: files,
            removeFiles: options.mode === 'overwrite' ? 'all' : undefined,
            schema: { columns: plan.columns, partitionColumns: target.partitionColumns },
            summary: options.summary,
          });
        });
        return {
          table: table.fullName,
          mode: options.mode,
          snapshot,
          filesRemoved: Number(snapshot.summary.removedFiles ?? 0),
          rowsRemoved: Number(snapshot.summary.removedRecords ?? 0),
          rowsWritten: files.reduce((n, f) => n + f.recordCount, 0),
          filesWritten: files.length,
          bytesWritten: files.reduce((n, f) => n + f.fileSize, 0),
          rejects,
          rejectedRows,
        };
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * Compares CSV streams of a source table with a lake table at its current snapshot: row
   * counts and an order-independent checksum (the sum of each row's hash over all the lake
   * table's columns, read from both sides as the lake's types), and sample keys that differ.
   */
  async compare(
    name: string,
    input: CsvStreams,
    keyColumns: string[],
    sampleSize = 10,
  ): Promise<TableComparison> {
    if (!this.queries) throw new Error('compare needs the query runner');
    const queries = this.queries;
    const table = await this.catalog.getTable(name);
    const schema = await this.catalog.schema(table);
    const columns = schema.columns.map((c) => c.name);
    const keys = keyColumns.length > 0 ? keyColumns : columns;
    const staging = join(this.stagingRoot, randomUUID());
    await mkdir(staging, { recursive: true });
    const suffix = `${process.pid}_${++scanCounter}`;
    try {
      return await this.engine.withConnection(async (connection) => {
        const keyList = keys.map(quoteIdentifier).join(', ');
        const hashOf = `hash(${columns.map(quoteIdentifier).join(', ')})`;
        const typed = schema.columns
          .map((c) => `CAST(${quoteIdentifier(c.name)} AS ${c.type}) AS ${quoteIdentifier(c.name)}`)
          .join(', ');
        const names = new Set(sourceNames(input));
        const sourceTyped = schema.columns
          .map((c) =>
            names.has(c.name)
              ? `CAST(${quoteIdentifier(c.name)} AS ${c.type}) AS ${quoteIdentifier(c.name)}`
              : `CAST(NULL AS ${c.type}) AS ${quoteIdentifier(c.name)}`,
          )
          .join(', ');
        await this.feed(staging, input, (reader) =>
          connection.run(
            `CREATE TEMP TABLE src_${suffix} AS SELECT to_json([${keyList}])::VARCHAR AS k, ${hashOf} AS h FROM (SELECT ${sourceTyped} FROM (SELECT ${projectionSql(input)} FROM ${reader(`cmp_${suffix}`)}))`,
          ),
        );
        const pinned = await queries.pinTable(table);
        await queries.withBoundTables(
          connection,
          [{ ref: { schema: table.database, name: table.name }, pinned }],
          () =>
            connection.run(
              `CREATE TEMP TABLE temp.main.lake_${suffix} AS SELECT to_json([${keyList}])::VARCHAR AS k, ${hashOf} AS h FROM (SELECT ${typed} FROM ${quoteIdentifier(table.database)}.${quoteIdentifier(table.name)})`,
            ),
        );
        const totals = (
          await connection.runAndReadAll(
            `SELECT (SELECT count(*) FROM src_${suffix}) AS sn, (SELECT coalesce(sum(h::HUGEINT), 0) FROM src_${suffix})::VARCHAR AS sc,
                    (SELECT count(*) FROM lake_${suffix}) AS ln, (SELECT coalesce(sum(h::HUGEINT), 0) FROM lake_${suffix})::VARCHAR AS lc`,
          )
        ).getRowObjectsJson()[0]!;
        const differing: string[] =
          totals['sn'] === totals['ln'] && totals['sc'] === totals['lc']
            ? []
            : (
                await connection.runAndReadAll(
                  `SELECT DISTINCT k FROM ((SELECT k, h FROM src_${suffix} EXCEPT ALL SELECT k, h FROM lake_${suffix})
                     UNION ALL (SELECT k, h FROM lake_${suffix} EXCEPT ALL SELECT k, h FROM src_${suffix})) ORDER BY k LIMIT ${Math.max(1, Math.floor(sampleSize))}`,
                )
              )
                .getRowObjectsJson()
                .map((r) => String(r['k']));
        // Source rows the lake types cannot hold are rows the lake lacks: count and show them.
        const rejected = await readRejects(connection, `cmp_${suffix}`);
        await connection.run(`DROP TABLE src_${suffix}`);
        await connection.run(`DROP TABLE lake_${suffix}`);
        if (rejected.rejectedRows > 0)
          differing.unshift(
            ...rejected.rejects.slice(0, sampleSize).map((r) => `rejected: ${r.csvLine}`),
          );
        return {
          sourceRows: Number(totals['sn']) + rejected.rejectedRows,
          lakeRows: Number(totals['ln']),
          sourceChecksum: String(totals['sc']),
          lakeChecksum: String(totals['lc']),
          sampleKeys: differing,
        };
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * Runs `statement` with the streams fed through FIFOs it reads (all of them, or with
   * `only` the one of that stream). Each FIFO is opened for writing only once DuckDB has
   * opened it for reading (a non-blocking open fails with ENXIO until then), and written
   * through a socket, so that neither an open nor a full pipe ever blocks a libuv thread,
   * and closing it is the end of file DuckDB reads.
   */
  private async feed<T>(
    staging: string,
    input: CsvStreams,
    statement: (reader: (rejectsName: string, only?: number) => string) => Promise<T>,
  ): Promise<T> {
    const paths = input.streams.map((_, i) => join(staging, `in-${i}.csv`));
    if (paths.length > 0) await execFileAsync('mkfifo', paths);
    let finished = false;
    const sockets: Socket[] = [];
    const feeding = input.streams.map(async (stream, i) => {
      const socket = await openWhenRead(paths[i]!, () => finished);
      if (!socket) return;
      sockets.push(socket);
      await pipeline(stream, socket);
    });
    const fed = Promise.all(feeding);
    fed.catch(() => undefined);
    const columns = `{${input.columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}`;
    const list = `[${paths.map(quoteLiteral).join(', ')}]`;
    const reader = (rejectsName: string, only?: number) =>
      paths.length === 0
        ? `(SELECT ${input.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdentifier(c.name)}`).join(', ')} WHERE false)`
        : `read_csv(${only === undefined ? list : quoteLiteral(paths[only]!)}, header = false, auto_detect = false, allow_quoted_nulls = false, quote = '"', escape = '"', delim = ',', columns = ${columns}, store_rejects = true, rejects_table = ${quoteLiteral(rejectsName)}, rejects_scan = ${quoteLiteral(`${rejectsName}_scan`)})`;
    try {
      const [result] = await Promise.all([statement(reader).finally(() => (finished = true)), fed]);
      return result;
    } catch (error) {
      for (const stream of input.streams) stream.destroy();
      for (const socket of sockets) socket.destroy();
      // A source stream's error explains a truncated read better than DuckDB's view of it.
      const sourceError = await fed.then(
        () => undefined,
        (e: unknown) => e,
      );
      throw sourceError instanceof Error && isLakeError(sourceError)
        ? sourceError
        : sqlError(sourceError ?? error);
    }
  }

  /** The target table, created (with its database) on first write. */
  private async ensureTable(name: string, columns: Column[]): Promise<Table> {
    const existing = await this.catalog.findTable(name);
    if (existing) return existing;
    const { database } = parseTableName(name);
    await this.catalog.createDatabase(database, { ifNotExists: true }).catch(async (error) => {
      if (!(await this.catalog.findDatabase(database))) throw error;
    });
    try {
      return await this.catalog.createTable(name, { columns });
    } catch (error) {
      const raced = await this.catalog.findTable(name);
      if (raced) return raced;
      throw error;
    }
  }
}

/** The FIFO's write end as a socket once a reader has opened it; undefined if none ever does. */
async function openWhenRead(path: string, gaveUp: () => boolean): Promise<Socket | undefined> {
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || gaveUp()) {
        if (gaveUp()) return undefined;
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      continue;
    }
    try {
      return new Socket({ fd, readable: false, writable: true });
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }
}

function projectionSql(input: CsvStreams): string {
  if (!input.projection) return input.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  return input.projection.map((p) => `${p.expression} AS ${quoteIdentifier(p.name)}`).join(', ');
}

function sourceNames(input: CsvStreams): string[] {
  return input.projection ? input.projection.map((p) => p.name) : input.columns.map((c) => c.name);
}

/** The projection's column types, found without touching the streams (over one typed NULL row). */
async function describeProjection(
  connection: DuckDBConnection,
  input: CsvStreams,
): Promise<Column[]> {
  const row = input.columns
    .map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdentifier(c.name)}`)
    .join(', ');
  try {
    const reader = await connection.runAndReadAll(
      `DESCRIBE (SELECT ${projectionSql(input)} FROM (SELECT ${row}))`,
    );
    return reader.getRowObjectsJson().map((r) => ({
      name: String(r['column_name']),
      type: String(r['column_type']),
      nullable: true,
    }));
  } catch (error) {
    throw sqlError(error, 'The column expressions are not valid');
  }
}

async function readRejects(
  connection: DuckDBConnection,
  name: string,
): Promise<{ rejects: CsvReject[]; rejectedRows: number }> {
  const exists = await connection.runAndReadAll(
    `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ${quoteLiteral(name)}`,
  );
  if (Number(exists.getRowObjectsJson()[0]!['n']) === 0) return { rejects: [], rejectedRows: 0 };
  const count = await connection.runAndReadAll(
    `SELECT count(DISTINCT (file_id, line)) AS n FROM ${quoteIdentifier(name)}`,
  );
  const rows = await connection.runAndReadAll(
    `SELECT line, column_name, error_message, csv_line FROM ${quoteIdentifier(name)} ORDER BY file_id, line LIMIT 10000`,
  );
  await connection.run(`DROP TABLE ${quoteIdentifier(name)}`);
  await connection.run(`DROP TABLE IF EXISTS ${quoteIdentifier(`${name}_scan`)}`);
  return {
    rejectedRows: Number(count.getRowObjectsJson()[0]!['n']),
    rejects: rows.getRowObjectsJson().map((r) => ({
      line: Number(r['line']),
      column: r['column_name'] === null ? null : String(r['column_name']),
      reason: String(r['error_message']),
      csvLine: String(r['csv_line']),
    })),
  };
}
