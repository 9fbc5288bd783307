import type { Readable } from 'node:stream';

export type SourceEngine = 'postgres' | 'sqlite';

/** What a source engine can do, as data: the migration code branches on these, not on classes. */
export interface SourceCapabilities {
  /** Change data capture (logical replication) is available. */
  supportsCdc: boolean;
  /** Several connections can read one table at one consistent point (exported snapshots). */
  supportsSnapshots: boolean;
  /** A table can be read in primary-key ranges in parallel. */
  supportsKeyRanges: boolean;
}

export interface SourceTableRef {
  schema: string;
  name: string;
}

/** A source column and what it becomes in the lake. */
export interface SourceColumn {
  name: string;
  /** The source's own type name, e.g. `numeric(12,2)`. */
  sourceType: string;
  /** The DuckDB type of the lake column (docs/migrate.md has the mapping). */
  lakeType: string;
  nullable: boolean;
}

export interface SourceTable extends SourceTableRef {
  columns: SourceColumn[];
  /** Primary-key columns in key order; empty when the table has none. */
  keyColumns: string[];
  /** PostgreSQL's REPLICA IDENTITY (`default`, `full`, `nothing`, `index`); null elsewhere. */
  replicaIdentity: string | null;
  /** The engine's estimate, for splitting into ranges and for progress bars. */
  estimatedRows: number;
}

/** A half-open range of the first key column: `from <= key < to` (null = unbounded). */
export interface KeyRange {
  from: string | null;
  to: string | null;
}

export interface StreamOptions {
  range?: KeyRange;
  /** An exported snapshot every stream of one load reads at. */
  snapshot?: string;
}

export interface ConnectionCheck {
  check: 'reachable' | 'credentials' | 'wal_level' | 'replication_permission' | 'replication_slots';
  ok: boolean;
  /** What was found, and when not ok what to do about it: one line. */
  message: string;
}

/**
 * One source database. Every engine folder (postgres/, sqlite/) implements this with the
 * same file set; streams are CSV (RFC 4180, no header; NULL unquoted empty, an empty
 * string quoted) with one field per column of `describeTable`, each in a text form the
 * lake type's DuckDB cast reads exactly.
 */
export interface Source {
  readonly engine: SourceEngine;
  readonly capabilities: SourceCapabilities;
  /** Checks reachability and credentials, and with `cdc` what replication needs. */
  testConnection(options: { cdc: boolean }): Promise<ConnectionCheck[]>;
  listTables(): Promise<SourceTableRef[]>;
  /** @throws LakeError SOURCE_TABLE_NOT_FOUND when the table is gone. */
  describeTable(ref: SourceTableRef): Promise<SourceTable>;
  /** Splits a table into about `parts` key ranges of similar size. */
  keyRanges(table: SourceTable, parts: number): Promise<KeyRange[]>;
  /** The table's rows (or one key range of them) as a CSV byte stream. */
  streamTable(table: SourceTable, options?: StreamOptions): Promise<Readable>;
  close(): Promise<void>;
}
