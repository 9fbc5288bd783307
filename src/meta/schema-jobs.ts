import type { Generated } from 'kysely';

type Json = string;

/** A job: its name, kind, target table and the rest of its spec as JSON. */
export interface JobRow {
  job_id: Generated<number>;
  name: string;
  kind: string;
  target: string;
  spec: Json;
  description: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * One step of a job's bookmark: what a successful run consumed of one input table, written
 * in the transaction of the run's output commit. A managed input's position is the snapshot
 * read up to; an external input's files consumed are in `lb_job_bookmark_file`.
 */
export interface JobBookmarkEntryRow {
  entry_id: Generated<number>;
  job_name: string;
  run_id: string;
  input_table: string;
  table_id: number;
  snapshot_id: number | null;
  created_at: number;
}

/** A file of an external input consumed by the run that wrote entry `entry_id`. */
export interface JobBookmarkFileRow {
  entry_id: number;
  job_name: string;
  table_id: number;
  path: string;
}
