import type { Kysely, Transaction } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import type { CatalogEventSink } from './catalog.js';
import { insertSchema, validateColumns } from './schema-version.js';
import type { Column, NewDataFile, Snapshot, SnapshotSummary, Table } from './catalog-types.js';
import { toSnapshot } from './catalog-rows.js';

export interface CommitRequest {
  table: Table;
  /** The snapshot the writer started from; null for a table with no snapshot yet. */
  parentSnapshotId: number | null;
  operation: 'append' | 'overwrite' | 'delete' | 'replace' | (string & {});
  addFiles: NewDataFile[];
  /** Ids of live files this snapshot removes, or `all` of them (overwrite). */
  removeFiles?: number[] | 'all';
  /** A new schema, when the write evolves it; ignored when equal to the current one. */
  schema?: { columns: Column[]; partitionColumns: string[] };
  summary?: Record<string, number | string>;
  /**
   * Runs inside the commit's transaction once the snapshot is in place, so that state which
   * must move with the snapshot (a job's bookmark) commits or rolls back with it.
   */
  inTransaction?: (trx: Transaction<MetaSchema>, snapshot: Snapshot) => Promise<void>;
}

// SQLite binds at most 32766 parameters a statement; stay well below for every dialect.
const ROWS_PER_INSERT = 500;

/**
 * One atomic commit: a new snapshot row, the data files it adds and removes, an optional
 * schema version, the move of the table's current-snapshot pointer, the `object.created` of
 * the files written for it and a `table.committed` event, in one transaction. The pointer moves only if it still names the parent
 * (optimistic concurrency); otherwise nothing is written and COMMIT_CONFLICT is thrown.
 */
export async function commitTable(
  db: Kysely<MetaSchema>,
  events: CatalogEventSink,
  request: CommitRequest,
): Promise<Snapshot> {
  return db.transaction().execute((trx) => commitInTransaction(trx, events, request));
}

/** The commit's work inside a transaction the caller holds (one that also creates the table). */
export async function commitInTransaction(
  trx: Transaction<MetaSchema>,
  events: CatalogEventSink,
  request: CommitRequest,
): Promise<Snapshot> {
  const { table, parentSnapshotId } = request;
  const parent =
    parentSnapshotId === null
      ? undefined
      : await trx
          .selectFrom('lb_snapshot')
          .selectAll()
          .where('snapshot_id', '=', parentSnapshotId)
          .executeTakeFirst();
  if (parentSnapshotId !== null && (!parent || parent.table_id !== table.id)) {
    throw new LakeError(
      'SNAPSHOT_NOT_FOUND',
      `Snapshot ${parentSnapshotId} is not a snapshot of ${table.fullName}.`,
    );
  }
  const current = await trx
    .selectFrom('lb_table')
    .select(['current_snapshot_id', 'current_schema_id', 'dropped_at'])
    .where('table_id', '=', table.id)
    .executeTakeFirstOrThrow();
  if (current.dropped_at !== null)
    throw new LakeError('TABLE_NOT_FOUND', `Table ${table.fullName} was dropped.`);
  if (current.current_snapshot_id !== parentSnapshotId)
    throw conflict(table, parentSnapshotId, current.current_snapshot_id);

  const schemaId = await nextSchemaId(trx, table, current.current_schema_id!, request.schema);
  const removed = await filesToRemove(trx, table, request.removeFiles);
  const added = {
    records: sum(request.addFiles.map((f) => f.recordCount)),
    bytes: sum(request.addFiles.map((f) => f.fileSize)),
  };
  const summary: SnapshotSummary = {
    ...request.summary,
    addedRecords: added.records,
    addedFiles: request.addFiles.length,
    addedBytes: added.bytes,
    removedRecords: removed.records,
    removedFiles: removed.ids.length,
    removedBytes: removed.bytes,
  };
  const snapshotRow = await trx
    .insertInto('lb_snapshot')
    .values({
      table_id: table.id,
      parent_snapshot_id: parentSnapshotId,
      schema_id: schemaId,
      operation: request.operation,
      summary: JSON.stringify(summary),
      record_count: (parent?.record_count ?? 0) + added.records - removed.records,
      file_count: (parent?.file_count ?? 0) + request.addFiles.length - removed.ids.length,
      total_bytes: (parent?.total_bytes ?? 0) + added.bytes - removed.bytes,
      committed_at: Date.now(),
      expired_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const snapshotId = snapshotRow.snapshot_id;

  const moved = await trx
    .updateTable('lb_table')
    .set({ current_snapshot_id: snapshotId, current_schema_id: schemaId })
    .where('table_id', '=', table.id)
    .where((eb) =>
      parentSnapshotId === null
        ? eb('current_snapshot_id', 'is', null)
        : eb('current_snapshot_id', '=', parentSnapshotId),
    )
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) throw conflict(table, parentSnapshotId, undefined);

  for (let i = 0; i < removed.ids.length; i += ROWS_PER_INSERT) {
    await trx
      .updateTable('lb_data_file')
      .set({ end_snapshot: snapshotId })
      .where('file_id', 'in', removed.ids.slice(i, i + ROWS_PER_INSERT))
      .execute();
  }
  await insertFiles(trx, table.id, snapshotId, request.addFiles);
  await events.appendMany(
    request.addFiles
      .filter((file) => file.created)
      .map((file) => ({
        type: 'object.created' as const,
        subject: file.path,
        payload: { key: file.path, size: file.fileSize },
      })),
    trx,
  );
  await events.append(
    {
      type: 'table.committed',
      subject: table.fullName,
      payload: {
        table: table.fullName,
        snapshotId,
        parentSnapshotId,
        operation: request.operation,
        ...summary,
      },
    },
    trx,
  );
  const snapshot = toSnapshot(snapshotRow);
  await request.inTransaction?.(trx, snapshot);
  return snapshot;
}

async function nextSchemaId(
  trx: Transaction<MetaSchema>,
  table: Table,
  currentSchemaId: number,
  schema: CommitRequest['schema'],
): Promise<number> {
  if (!schema) return currentSchemaId;
  const current = await trx
    .selectFrom('lb_column')
    .selectAll()
    .where('schema_id', '=', currentSchemaId)
    .orderBy('position')
    .execute();
  const currentRow = await trx
    .selectFrom('lb_schema')
    .selectAll()
    .where('schema_id', '=', currentSchemaId)
    .executeTakeFirstOrThrow();
  const same =
    currentRow.partition_columns === JSON.stringify(schema.partitionColumns) &&
    current.length === schema.columns.length &&
    current.every((c, i) => {
      const next = schema.columns[i]!;
      return (
        c.name === next.name &&
        c.type === next.type &&
        (c.nullable === 1) === next.nullable &&
        c.description === (next.description ?? null)
      );
    });
  if (same) return currentSchemaId;
  validateColumns(schema.columns, schema.partitionColumns);
  return insertSchema(
    trx,
    table.id,
    currentRow.version + 1,
    schema.columns,
    schema.partitionColumns,
  );
}

async function filesToRemove(
  trx: Transaction<MetaSchema>,
  table: Table,
  removeFiles: CommitRequest['removeFiles'],
): Promise<{ ids: number[]; records: number; bytes: number }> {
  if (!removeFiles || (Array.isArray(removeFiles) && removeFiles.length === 0))
    return { ids: [], records: 0, bytes: 0 };
  let query = trx
    .selectFrom('lb_data_file')
    .select(['file_id', 'record_count', 'file_size'])
    .where('table_id', '=', table.id)
    .where('end_snapshot', 'is', null);
  if (removeFiles !== 'all') query = query.where('file_id', 'in', removeFiles);
  const rows = await query.execute();
  if (removeFiles !== 'all' && rows.length !== new Set(removeFiles).size) {
    // A file the writer meant to replace was removed by a concurrent commit.
    throw conflict(table, null, undefined);
  }
  return {
    ids: rows.map((r) => r.file_id),
    records: sum(rows.map((r) => r.record_count)),
    bytes: sum(rows.map((r) => r.file_size)),
  };
}

async function insertFiles(
  trx: Transaction<MetaSchema>,
  tableId: number,
  snapshotId: number,
  files: NewDataFile[],
): Promise<void> {
  for (let i = 0; i < files.length; i += ROWS_PER_INSERT) {
    const batch = files.slice(i, i + ROWS_PER_INSERT);
    const ids = await trx
      .insertInto('lb_data_file')
      .values(
        batch.map((file) => ({
          table_id: tableId,
          path: file.path,
          format: file.format,
          record_count: file.recordCount,
          file_size: file.fileSize,
          partition_values: JSON.stringify(file.partitionValues),
          begin_snapshot: snapshotId,
          end_snapshot: null,
          origin_min_snapshot: file.rowOrigin?.min ?? null,
          origin_max_snapshot: file.rowOrigin?.max ?? null,
        })),
      )
      .returning('file_id')
      .execute();
    const stats = batch.flatMap((file, index) =>
      file.columnStats.map((s) => ({
        file_id: ids[index]!.file_id,
        table_id: tableId,
        column_name: s.column,
        value_count: s.valueCount,
        null_count: s.nullCount,
        min_value: s.min,
        max_value: s.max,
      })),
    );
    for (let j = 0; j < stats.length; j += ROWS_PER_INSERT) {
      await trx
        .insertInto('lb_file_column_stats')
        .values(stats.slice(j, j + ROWS_PER_INSERT))
        .execute();
    }
  }
}

function conflict(
  table: Table,
  expected: number | null,
  actual: number | null | undefined,
): LakeError {
  const moved = actual === undefined ? 'moved' : `is now at snapshot ${actual ?? 'none'}`;
  return new LakeError(
    'COMMIT_CONFLICT',
    `Commit to ${table.fullName} conflicted: the table ${moved} since snapshot ${expected ?? 'none'} was read. Retry the write.`,
    { transient: true, details: { table: table.fullName, expected, actual } },
  );
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
