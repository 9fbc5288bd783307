/** Rows of the database-migration tables (migration 003-migration-tasks). JSON is text. */

export interface MigrationSourceRow {
  name: string;
  engine: string;
  /** Connection settings; a password is kept as its `${env:NAME}` reference, never its value. */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface MigrationTaskRow {
  name: string;
  source: string;
  target_database: string;
  migration_type: string;
  table_mappings: string;
  settings: string;
  run_id: string | null;
  confirmed_lsn: string | null;
  created_at: number;
  updated_at: number;
}

export interface MigrationTableRow {
  task: string;
  source_schema: string;
  source_table: string;
  target_table: string;
  state: string;
  rows_loaded: number;
  rows_rejected: number;
  changes_applied: number;
  last_lsn: string | null;
  lag_ms: number | null;
  lag_bytes: number | null;
  error: string | null;
  updated_at: number;
}
