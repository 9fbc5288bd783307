import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog/catalog.js';
import type { Column, NewDataFile, Snapshot, Table } from '../catalog/catalog-types.js';
import { withCommitRetry } from '../catalog/commit-retry.js';
import { parseTableName, quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';
import { LakeError, isLakeError } from '../errors/lake-error.js';
import type { ObjectStore } from '../storage/object-store.js';
import { sqlError, type DuckEngine } from './duck-engine.js';
import { dataFileFromCopyStats, type CopyStatsRow } from './copy-stats.js';
import type { QueryRunner } from './query-runner.js';
import { findTableReferences } from './table-references.js';
import { filesSelect, recordsSelect, type WriteSource } from './write-source.js';

export interface WriteOptions {
  mode?: 'append' | 'overwrite';
  /** Partition columns; a new table takes them, an existing one must match on append. */
  partitionBy?: string[];
  /** Add columns that the source has and the table lacks, instead of refusing the write. */
  addColumns?: boolean;
  /** Rough size at which DuckDB starts a new file, e.g. `256MB`. */
  targetFileSize?: string;
  /** Runs after the files are in the store and before the commit (tests use it to crash there). */
  beforeCommit?: () => Promise<void>;
}

export interface WriteResult {
  table: string;
  snapshot: Snapshot;
  rowsWritten: number;
  filesWritten: number;
  bytesWritten: number;
}

/**
 * Writes a table: DuckDB writes Parquet files (with per-file statistics) into a local staging
 * folder, the files move into the store under the table's `data/` prefix, and one catalog
 * commit makes them visible. A crash before the commit leaves the table as it was; the
 * files left behind belong to no snapshot and `vacuum` removes them.
 */
export class TableWriter {
  constructor(
    private readonly engine: DuckEngine,
    private readonly queries: QueryRunner,
    private readonly catalog: Catalog,
    private readonly store: ObjectStore,
    private readonly stagingRoot: string,
  ) {}

  async write(name: string, source: WriteSource, options: WriteOptions = {}): Promise<WriteResult> {
    const qualified = parseTableName(name);
    const mode = options.mode ?? 'append';
    if (mode !== 'append' && mode !== 'overwrite') {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown write mode "${String(mode)}": use append or overwrite.`,
      );
    }
    const staging = join(this.stagingRoot, randomUUID());
    await mkdir(staging, { recursive: true });
    try {
      return await this.engine.withConnection(async (connection) => {
        if (Array.isArray(source))
          return this.writeSelect(
            connection,
            name,
            await recordsSelect(source, staging),
            staging,
            mode,
            options,
          );
        if ('files' in source)
          return this.writeSelect(
            connection,
            name,
            await filesSelect(source.files, source.format),
            staging,
            mode,
            options,
          );
        const sql = (source as { sql: string }).sql;
        const refs = await findTableReferences(connection, sql);
        const database = (source as { database?: string }).database ?? qualified.database;
        const pinned = await Promise.all(refs.map((ref) => this.queries.pin(ref, { database })));
        return this.queries.withBoundTables(connection, pinned, () =>
          this.writeSelect(connection, name, sql, staging, mode, options),
        );
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private async writeSelect(
    connection: DuckDBConnection,
    name: string,
    select: string,
    staging: string,
    mode: 'append' | 'overwrite',
    options: WriteOptions,
  ): Promise<WriteResult> {
    const sourceColumns = await describe(connection, select);
    let table = await this.ensureTable(name, sourceColumns, options.partitionBy ?? []);
    const target = await this.catalog.schema(table);
    const plan = planColumns(table, target.columns, sourceColumns, {
      addColumns: options.addColumns ?? false,
    });
    const partitionBy = options.partitionBy ?? target.partitionColumns;
    if (mode === 'append' && !sameColumns(partitionBy, target.partitionColumns)) {
      throw new LakeError(
        'SCHEMA_MISMATCH',
        `${table.fullName} is partitioned by (${target.partitionColumns.join(', ') || 'nothing'}), not (${partitionBy.join(', ')}); append with its partitioning or overwrite the table.`,
      );
    }
    for (const column of partitionBy) {
      if (!plan.columns.some((c) => c.name.toLowerCase() === column.toLowerCase())) {
        throw new LakeError(
          'SCHEMA_MISMATCH',
          `Partition column "${column}" is not a column of ${table.fullName}.`,
        );
      }
    }

    const copyOptions = [
      'FORMAT parquet',
      'COMPRESSION zstd',
      "FILENAME_PATTERN 'part-{uuid}'",
      'RETURN_STATS true',
    ];
    if (partitionBy.length > 0) {
      // DuckDB cannot split partitioned output by size: each partition gets its own files.
      copyOptions.push(
        `PARTITION_BY (${partitionBy.map(quoteIdentifier).join(', ')})`,
        'WRITE_PARTITION_COLUMNS true',
      );
    } else {
      copyOptions.push(`FILE_SIZE_BYTES ${quoteLiteral(options.targetFileSize ?? '512MB')}`);
    }
    const outDir = join(staging, 'out');
    let stats: CopyStatsRow[];
    try {
      const reader = await connection.runAndReadAll(
        `COPY (SELECT ${plan.projection} FROM (${select})) TO ${quoteLiteral(outDir)} (${copyOptions.join(', ')})`,
      );
      stats = reader.getRowObjectsJson() as unknown as CopyStatsRow[];
    } catch (error) {
      throw sqlError(error, `Writing ${table.fullName} failed`);
    }

    const files: NewDataFile[] = [];
    for (const row of stats) {
      if (Number(row.count) === 0) continue;
      const key = `${table.location}/data/${relative(outDir, row.filename).split(sep).join('/')}`;
      await this.store.putFile(key, row.filename);
      files.push(dataFileFromCopyStats(row, key));
    }
    await options.beforeCommit?.();

    const schema = { columns: plan.columns, partitionColumns: partitionBy };
    const snapshot = await withCommitRetry(async () => {
      table = await this.catalog.getTable(table.fullName);
      return this.catalog.commit({
        table,
        parentSnapshotId: table.currentSnapshotId,
        operation: mode,
        addFiles: files,
        removeFiles: mode === 'overwrite' ? 'all' : undefined,
        schema,
      });
    });
    return {
      table: table.fullName,
      snapshot,
      rowsWritten: files.reduce((n, f) => n + f.recordCount, 0),
      filesWritten: files.length,
      bytesWritten: files.reduce((n, f) => n + f.fileSize, 0),
    };
  }

  /** The target table, created (with its database) from the source's columns on first write. */
  private async ensureTable(
    name: string,
    columns: Column[],
    partitionBy: string[],
  ): Promise<Table> {
    const existing = await this.catalog.findTable(name);
    if (existing) return existing;
    const { database } = parseTableName(name);
    try {
      await this.catalog.createDatabase(database, { ifNotExists: true });
    } catch (error) {
      if (!(await this.catalog.findDatabase(database))) throw error; // else another writer made it
    }
    try {
      return await this.catalog.createTable(name, { columns, partitionColumns: partitionBy });
    } catch (error) {
      const raced = await this.catalog.findTable(name);
      if (raced && !isLakeError(error, 'INVALID_ARGUMENT')) return raced;
      throw error;
    }
  }
}

async function describe(connection: DuckDBConnection, select: string): Promise<Column[]> {
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE (${select})`);
    return reader.getRowObjectsJson().map((row) => ({
      name: String(row['column_name']),
      type: String(row['column_type']),
      nullable: true,
    }));
  } catch (error) {
    throw sqlError(error);
  }
}

interface ColumnPlan {
  /** The table's columns after this write (with added columns at the end). */
  columns: Column[];
  /** SELECT list producing exactly those columns, cast to their types, from the source. */
  projection: string;
}

/**
 * Lines the source's columns up with the table's by name (case-insensitively): missing ones
 * are written as NULL, others are cast to the table's type (a value that does not fit fails
 * the write), and columns the table lacks are added only when the caller allows it.
 */
export function planColumns(
  table: Table,
  target: Column[],
  source: Column[],
  options: { addColumns: boolean },
): ColumnPlan {
  const sourceByName = new Map(source.map((c) => [c.name.toLowerCase(), c]));
  const targetNames = new Set(target.map((c) => c.name.toLowerCase()));
  const extra = source.filter((c) => !targetNames.has(c.name.toLowerCase()));
  if (extra.length > 0 && !options.addColumns) {
    throw new LakeError(
      'SCHEMA_MISMATCH',
      `The data has column(s) ${extra.map((c) => `"${c.name}" (${c.type})`).join(', ')} that ${table.fullName} lacks; drop them from the data or allow adding columns (--add-columns).`,
    );
  }
  const columns = [...target, ...extra.map((c) => ({ ...c, nullable: true }))];
  const projection = columns
    .map((column) => {
      const from = sourceByName.get(column.name.toLowerCase());
      const value = from ? quoteIdentifier(from.name) : 'NULL';
      if (!from && !column.nullable) {
        throw new LakeError(
          'SCHEMA_MISMATCH',
          `Column "${column.name}" of ${table.fullName} may not be NULL, and the data lacks it.`,
        );
      }
      return from && from.type === column.type
        ? `${value} AS ${quoteIdentifier(column.name)}`
        : `CAST(${value} AS ${column.type}) AS ${quoteIdentifier(column.name)}`;
    })
    .join(', ');
  return { columns, projection };
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c.toLowerCase() === b[i]!.toLowerCase());
}
