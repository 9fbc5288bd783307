/** The catalog's public shapes (Glue Data Catalog counterparts in ARCHITECTURE.md). */

export const ZONES = ['raw', 'processed', 'curated', 'models', 'artifacts'] as const;
export type Zone = (typeof ZONES)[number];

export interface Database {
  id: number;
  name: string;
  zone: Zone;
  description: string | null;
  properties: Record<string, string>;
  createdAt: Date;
}

export type TableKind = 'managed' | 'external';
export type TableFormat = 'parquet' | 'csv' | 'json';

/** Column types are DuckDB logical type names (`BIGINT`, `DECIMAL(12,2)`, `VARCHAR[]`, ...). */
export interface Column {
  name: string;
  type: string;
  nullable: boolean;
  description?: string | null;
}

export interface TableSchema {
  id: number;
  version: number;
  columns: Column[];
  partitionColumns: string[];
  createdAt: Date;
}

export interface Table {
  id: number;
  database: string;
  name: string;
  /** `database.table` */
  fullName: string;
  kind: TableKind;
  format: TableFormat;
  /** Managed: the key prefix of the table in the store. External: a key prefix or URI. */
  location: string;
  description: string | null;
  properties: Record<string, string>;
  currentSnapshotId: number | null;
  currentSchemaId: number | null;
  createdAt: Date;
}

export interface SnapshotSummary {
  addedRecords: number;
  addedFiles: number;
  addedBytes: number;
  removedRecords: number;
  removedFiles: number;
  removedBytes: number;
  [key: string]: number | string;
}

export interface Snapshot {
  id: number;
  tableId: number;
  parentId: number | null;
  schemaId: number;
  operation: string;
  summary: SnapshotSummary;
  recordCount: number;
  fileCount: number;
  totalBytes: number;
  committedAt: Date;
  /** When `expire` marked it: it stays in the history but can no longer be read. */
  expiredAt: Date | null;
}

export interface ColumnStats {
  column: string;
  valueCount: number | null;
  nullCount: number | null;
  /** Min and max as DuckDB renders them as text; null when unknown. */
  min: string | null;
  max: string | null;
}

export interface NewDataFile {
  /** The object key in the lake's store. */
  path: string;
  format: TableFormat;
  recordCount: number;
  fileSize: number;
  partitionValues: Record<string, string | null>;
  columnStats: ColumnStats[];
  /**
   * A file that rewrites rows other commits added (compaction): the oldest and newest of the
   * snapshots that added them. Absent: every row is new in this file's own commit.
   */
  rowOrigin?: RowOrigin;
  /**
   * Written for this commit (not registered where it lay, as a crawler does): the commit
   * appends the file's `object.created` in its own transaction, so a data file becomes an
   * event only once it is part of the table, and a failed write's files never do.
   */
  created?: boolean;
}

/** The snapshots that first added a file's rows, oldest and newest. */
export interface RowOrigin {
  min: number;
  max: number;
}

export interface DataFile extends Omit<NewDataFile, 'columnStats' | 'rowOrigin'> {
  id: number;
  beginSnapshot: number;
  endSnapshot: number | null;
  /** For a file written by its rows' own commit, both are `beginSnapshot`. */
  rowOrigin: RowOrigin;
}

/** A point in a table's history: a snapshot id (global across the lake) or a time. */
export type AsOf = number | Date;
