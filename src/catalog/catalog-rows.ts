import type { Selectable } from 'kysely';
import type {
  ColumnRow,
  DataFileRow,
  DatabaseRow,
  SchemaRow,
  SnapshotRow,
  TableRow,
} from '../meta/schema.js';
import type {
  Column,
  DataFile,
  Database,
  Snapshot,
  SnapshotSummary,
  Table,
  TableFormat,
  TableKind,
  TableSchema,
  Zone,
} from './catalog-types.js';

/** Metadata rows to the catalog's public shapes. */

export function toDatabase(row: Selectable<DatabaseRow>): Database {
  return {
    id: row.database_id,
    name: row.name,
    zone: row.zone as Zone,
    description: row.description,
    properties: JSON.parse(row.properties) as Record<string, string>,
    createdAt: new Date(row.created_at),
  };
}

export function toTable(row: Selectable<TableRow>, database: string): Table {
  return {
    id: row.table_id,
    database,
    name: row.name,
    fullName: `${database}.${row.name}`,
    kind: row.kind as TableKind,
    format: row.format as TableFormat,
    location: row.location,
    description: row.description,
    properties: JSON.parse(row.properties) as Record<string, string>,
    currentSnapshotId: row.current_snapshot_id,
    currentSchemaId: row.current_schema_id,
    createdAt: new Date(row.created_at),
  };
}

export function toSchema(
  row: Selectable<SchemaRow>,
  columns: Selectable<ColumnRow>[],
): TableSchema {
  return {
    id: row.schema_id,
    version: row.version,
    columns: columns
      .sort((a, b) => a.position - b.position)
      .map((c): Column => ({
        name: c.name,
        type: c.type,
        nullable: c.nullable === 1,
        description: c.description,
      })),
    partitionColumns: JSON.parse(row.partition_columns) as string[],
    createdAt: new Date(row.created_at),
  };
}

export function toSnapshot(row: Selectable<SnapshotRow>): Snapshot {
  return {
    id: row.snapshot_id,
    tableId: row.table_id,
    parentId: row.parent_snapshot_id,
    schemaId: row.schema_id,
    operation: row.operation,
    summary: JSON.parse(row.summary) as SnapshotSummary,
    recordCount: row.record_count,
    fileCount: row.file_count,
    totalBytes: row.total_bytes,
    committedAt: new Date(row.committed_at),
    expiredAt: row.expired_at === null ? null : new Date(row.expired_at),
  };
}

export function toDataFile(row: Selectable<DataFileRow>): DataFile {
  return {
    id: row.file_id,
    path: row.path,
    format: row.format as TableFormat,
    recordCount: row.record_count,
    fileSize: row.file_size,
    partitionValues: JSON.parse(row.partition_values) as Record<string, string | null>,
    beginSnapshot: row.begin_snapshot,
    endSnapshot: row.end_snapshot,
    rowOrigin: {
      min: Number(row.origin_min_snapshot ?? row.begin_snapshot),
      max: Number(row.origin_max_snapshot ?? row.begin_snapshot),
    },
  };
}
