import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog/catalog.js';
import type { Column, DataFile, NewDataFile, Snapshot, Table } from '../catalog/catalog-types.js';
import { withCommitRetry } from '../catalog/commit-retry.js';
import { parseTableName } from '../catalog/identifier.js';
import { validateColumns } from '../catalog/schema-version.js';
import type { CommitRequest } from '../catalog/table-commit.js';
import { LakeError, isLakeError } from '../errors/lake-error.js';
import type { ObjectStore } from '../storage/object-store.js';
import { columnNamed, describeSelect, planColumns, type ColumnPlan } from './column-plan.js';
import type { DuckEngine } from './duck-engine.js';
import type { LocalFiles } from './local-files.js';
import {
  dropMergeTables,
  matchTargetFiles,
  mergedSelect,
  pruneByKeyStats,
  stageMergeSource,
  type MergeCounts,
} from './merge-write.js';
import { writeParquetFiles } from './parquet-output.js';
import type { QueryRunner } from './query-runner.js';
import {
  findTableReferences,
  validateExpression,
  type TableReference,
} from './table-references.js';
import type { PinnedTable } from './table-view.js';
import type { FilesRead } from './csv-files-read.js';
import { readFilesWithRetry } from './files-read-retry.js';
import { LOAD_REJECTS_TABLE, rejectRecord } from './load-rejects-table.js';
import { pendingTable } from './pending-table.js';
import { recordsSelect, type FileFormat, type WriteSource } from './write-source.js';

export type WriteMode = 'append' | 'overwrite' | 'overwrite-partitions' | 'merge';
const WRITE_MODES: readonly WriteMode[] = ['append', 'overwrite', 'overwrite-partitions', 'merge'];

export interface WriteOptions {
  /**
   * `append` adds rows; `overwrite` replaces the table's contents; `overwrite-partitions`
   * replaces only the partitions present in the data; `merge` upserts by `mergeKeys`.
   */
  mode?: WriteMode;
  /** Partition columns; a new table takes them, an existing one must match except on overwrite. */
  partitionBy?: string[];
  /** Columns the rows are sorted by inside each file (better min/max pruning). */
  sortBy?: string[];
  /** Key columns of a merge: a source row replaces the table's row with the same key, or is inserted. */
  mergeKeys?: string[];
  /** A SQL predicate over source columns; matching source rows delete their key instead. */
  deleteWhen?: string;
  /** Source columns that are read (by `deleteWhen`, say `_op`) but not written to the table. */
  excludeColumns?: string[];
  /** Add columns that the source has and the table lacks, instead of refusing the write. */
  addColumns?: boolean;
  /**
   * Files only: CSV rows that cannot be read (too many or too few fields, a value that does
   * not fit its column) go to `<database>.load_rejects` instead of failing the write.
   */
  rejects?: boolean;
  /** Rough size at which DuckDB starts a new file (unpartitioned writes), e.g. `256MB`. */
  targetFileSize?: string;
  /** Runs after the files are in the store and before the commit (tests use it to crash there). */
  beforeCommit?: () => Promise<void>;
  /** Pins a table a SQL source names, instead of at its current snapshot (job bookmarks). */
  pin?: (ref: TableReference, database: string) => Promise<BoundTable>;
  /** Runs inside the commit's transaction (see CommitRequest.inTransaction). */
  onCommit?: CommitRequest['inTransaction'];
}

/** A table reference of a query and the snapshot (and files) it is read at. */
export interface BoundTable {
  ref: TableReference;
  pinned: PinnedTable;
}

export interface WriteResult {
  table: string;
  mode: WriteMode;
  snapshot: Snapshot;
  rowsWritten: number;
  filesWritten: number;
  bytesWritten: number;
  /** Files (and rows in them) that the write replaced. */
  filesRemoved: number;
  rowsRemoved: number;
  /** For merges: source rows inserted, updated and deleted. */
  merge?: MergeCounts;
  /** With `rejects`: rows set aside, and the table they went to. */
  rowsRejected?: number;
  rejectsTable?: string;
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
    private readonly files: LocalFiles,
    private readonly stagingRoot: string,
  ) {}

  async write(name: string, source: WriteSource, options: WriteOptions = {}): Promise<WriteResult> {
    const qualified = parseTableName(name);
    const mode = options.mode ?? 'append';
    if (!WRITE_MODES.includes(mode)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown write mode "${String(mode)}": use ${WRITE_MODES.join(', ')}.`,
      );
    }
    if (mode === 'merge' && !options.mergeKeys?.length) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        'A merge needs its key columns: pass mergeKeys (e.g. ["id"]).',
      );
    }
    const staging = join(this.stagingRoot, randomUUID());
    await mkdir(staging, { recursive: true });
    try {
      return await this.engine.withConnection(async (connection) => {
        if (options.deleteWhen)
          await validateExpression(connection, options.deleteWhen, 'deleteWhen');
        if (Array.isArray(source)) {
          return this.writeSelect(
            connection,
            name,
            await recordsSelect(source, staging),
            staging,
            mode,
            options,
          );
        }
        if ('files' in source)
          return this.writeFiles(connection, name, source, staging, mode, options);
        const { sql } = source as { sql: string };
        const refs = await findTableReferences(connection, sql);
        const database = (source as { database?: string }).database ?? qualified.database;
        const pinned = await Promise.all(
          refs.map((ref) =>
            options.pin ? options.pin(ref, database) : this.queries.pin(ref, { database }),
          ),
        );
        return this.queries.withBoundTables(connection, pinned, () =>
          this.writeSelect(connection, name, sql, staging, mode, options),
        );
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private writeFiles(
    connection: DuckDBConnection,
    name: string,
    source: { files: string[]; format?: FileFormat },
    staging: string,
    mode: WriteMode,
    options: WriteOptions,
  ): Promise<WriteResult> {
    return readFilesWithRetry(
      connection,
      name,
      source,
      staging,
      options.rejects ?? false,
      (read, folder) =>
        this.writeSelect(connection, name, read.select, folder, mode, options, read),
    );
  }

  private async writeSelect(
    connection: DuckDBConnection,
    name: string,
    select: string,
    staging: string,
    mode: WriteMode,
    options: WriteOptions,
    read?: FilesRead,
  ): Promise<WriteResult> {
    const excluded = new Set((options.excludeColumns ?? []).map((c) => c.toLowerCase()));
    const sourceColumns = (await describeSelect(connection, select)).filter(
      (c) => !excluded.has(c.name.toLowerCase()),
    );
    // A new table is created by its first commit: a write that fails leaves no empty table.
    const existing =
      mode === 'merge'
        ? await this.ensureTable(name, sourceColumns, options.partitionBy ?? [])
        : await this.catalog.findTable(name);
    const table = existing ?? (await pendingTable(this.catalog, name));
    const target = existing
      ? await this.catalog.schema(existing)
      : { columns: sourceColumns, partitionColumns: options.partitionBy ?? [] };
    if (!existing) validateColumns(sourceColumns, target.partitionColumns);
    const plan = planColumns(table, target.columns, sourceColumns, {
      addColumns: options.addColumns ?? false,
    });
    const partitionBy = options.partitionBy ?? target.partitionColumns;
    if (mode !== 'overwrite' && !sameColumns(partitionBy, target.partitionColumns)) {
      throw new LakeError(
        'SCHEMA_MISMATCH',
        `${table.fullName} is partitioned by (${target.partitionColumns.join(', ') || 'nothing'}), not (${partitionBy.join(', ')}); write with its partitioning or overwrite the table.`,
      );
    }
    for (const column of partitionBy) columnNamed(table, plan.columns, column, 'Partition column');
    for (const column of options.sortBy ?? [])
      columnNamed(table, plan.columns, column, 'Sort column');
    if (mode === 'overwrite-partitions' && partitionBy.length === 0) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `${table.fullName} is not partitioned; use overwrite to replace it whole.`,
      );
    }
    const schema = { columns: plan.columns, partitionColumns: partitionBy };
    const output = {
      location: table.location,
      partitionBy,
      sortBy: options.sortBy,
      targetFileSize: options.targetFileSize,
      tableName: table.fullName,
    };

    if (mode === 'merge')
      return this.merge(connection, table, select, plan, schema, output, staging, options);

    const files = await writeParquetFiles(
      connection,
      this.store,
      `SELECT ${plan.projection} FROM (${select})`,
      {
        ...output,
        stagingDir: join(staging, 'out'),
      },
    );
    const rejected = await this.setRejectsAside(table, read, connection);
    await options.beforeCommit?.();
    const written = await this.commitWithRetry(
      table,
      mode,
      files,
      schema,
      options,
      async (current) => {
        if (mode === 'overwrite') return 'all';
        if (mode === 'append') return [];
        const replaced = new Set(files.map((f) => JSON.stringify(f.partitionValues)));
        return (await this.catalog.files(current))
          .filter((f) => replaced.has(JSON.stringify(f.partitionValues)))
          .map((f) => f.id);
      },
    );
    return rejected ? { ...written, ...rejected } : written;
  }

  /**
   * The rows a read set aside, written to the database's rejects table before the data is
   * committed: a crash in between leaves them recorded, never the load done and its bad
   * rows gone without a trace.
   */
  private async setRejectsAside(
    table: Table,
    read: FilesRead | undefined,
    connection: DuckDBConnection,
  ): Promise<Pick<WriteResult, 'rowsRejected' | 'rejectsTable'> | undefined> {
    if (!read?.rejected) return undefined;
    const rows = await read.rejected(connection);
    const rejectsTable = `${table.database}.${LOAD_REJECTS_TABLE}`;
    if (rows.length > 0) {
      const at = new Date().toISOString();
      await this.write(
        rejectsTable,
        rows.map((r) => rejectRecord(table, r, at)),
        { mode: 'append' },
      );
    }
    return { rowsRejected: rows.length, rejectsTable };
  }

  /**
   * A merge is planned, written and committed again from the start when another writer
   * commits first: the files it rewrites may have changed, so only a fresh plan is correct.
   */
  private async merge(
    connection: DuckDBConnection,
    initial: Table,
    select: string,
    plan: ColumnPlan,
    schema: { columns: Column[]; partitionColumns: string[] },
    output: Omit<Parameters<typeof writeParquetFiles>[3], 'stagingDir'>,
    staging: string,
    options: WriteOptions,
  ): Promise<WriteResult> {
    const keys = options.mergeKeys!.map((key) =>
      columnNamed(initial, plan.columns, key, 'Merge key'),
    );
    await stageMergeSource(
      connection,
      select,
      plan.projection,
      keys,
      options.deleteWhen,
      initial.fullName,
    );
    try {
      return await withCommitRetry(async (attempt) => {
        const table = await this.catalog.getTable(initial.fullName);
        const live = await this.catalog.files(table);
        const stats = await this.catalog.fileStats(
          table,
          live.map((f) => f.id),
          keys.map((k) => k.name),
        );
        const candidates = await pruneByKeyStats(connection, live, stats, keys);
        const located = await Promise.all(
          candidates.map(async (f) => ({
            ...f,
            localPath: await this.files.immutablePath(f.path, f.fileSize),
          })),
        );
        const { matched, counts } = await matchTargetFiles(connection, located, keys);
        const files = await writeParquetFiles(
          connection,
          this.store,
          mergedSelect(schema.columns, keys, matched),
          {
            ...output,
            stagingDir: join(staging, `merge-${attempt}`),
          },
        );
        await options.beforeCommit?.();
        const snapshot = await this.catalog.commit({
          table,
          parentSnapshotId: table.currentSnapshotId,
          operation: 'merge',
          addFiles: files,
          removeFiles: matched.map((f) => f.id),
          schema,
          summary: {
            insertedRows: counts.inserted,
            updatedRows: counts.updated,
            deletedRows: counts.deleted,
          },
          inTransaction: options.onCommit,
        });
        return { ...result(table, 'merge', snapshot, files, matched), merge: counts };
      });
    } finally {
      await dropMergeTables(connection);
    }
  }

  private async commitWithRetry(
    initial: Table,
    mode: WriteMode,
    files: NewDataFile[],
    schema: { columns: Column[]; partitionColumns: string[] },
    options: WriteOptions,
    toRemove: (table: Table) => Promise<number[] | 'all'>,
  ): Promise<WriteResult> {
    return withCommitRetry(async () => {
      const table = await this.catalog.findTable(initial.fullName);
      if (!table) {
        const created = await this.catalog.createTableWithCommit(
          initial.fullName,
          { columns: schema.columns, partitionColumns: schema.partitionColumns },
          { operation: mode, addFiles: files, inTransaction: options.onCommit },
        );
        return result(created.table, mode, created.snapshot, files, []);
      }
      const removeFiles = await toRemove(table);
      const removed =
        removeFiles === 'all'
          ? await this.catalog.files(table)
          : (await this.catalog.files(table)).filter((f) => removeFiles.includes(f.id));
      const snapshot = await this.catalog.commit({
        table,
        parentSnapshotId: table.currentSnapshotId,
        operation: mode,
        addFiles: files,
        removeFiles,
        schema,
        inTransaction: options.onCommit,
      });
      return result(table, mode, snapshot, files, removed);
    });
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

function result(
  table: Table,
  mode: WriteMode,
  snapshot: Snapshot,
  files: NewDataFile[],
  removed: DataFile[],
): WriteResult {
  return {
    table: table.fullName,
    mode,
    snapshot,
    rowsWritten: files.reduce((n, f) => n + f.recordCount, 0),
    filesWritten: files.length,
    bytesWritten: files.reduce((n, f) => n + f.fileSize, 0),
    filesRemoved: removed.length,
    rowsRemoved: removed.reduce((n, f) => n + f.recordCount, 0),
  };
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c.toLowerCase() === b[i]!.toLowerCase());
}
