/** Rows of the sync tables (`002-sync-tasks`); JSON as text, times as epoch milliseconds. */
import type { Generated } from 'kysely';

type Json = string;

/** A sync task: a DataSync task's counterpart, a record started as runs of kind `sync`. */
export interface SyncTaskRow {
  task_id: Generated<number>;
  name: string;
  /** The locations as given, with `${env:NAME}` references for secrets, never values. */
  source: Json;
  destination: Json;
  include: Json;
  exclude: Json;
  options: Json;
  /** A cron expression, run by the scheduler once pipelines exist. */
  schedule: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * What the last successful transfer of a file copied from where to where: the source's size
 * and mtime, the destination's version (etag) and the content checksum. Keyed by the pair of
 * locations, so that one-shot runs and tasks between the same places share it.
 */
export interface SyncFileRow {
  pair_key: string;
  path: string;
  source_size: number;
  source_mtime: number;
  destination_version: string;
  checksum: string | null;
  synced_at: number;
}

/** One line of an execution's report: a file and what happened to it. */
export interface SyncReportRow {
  run_id: string;
  seq: number;
  path: string;
  outcome: string;
  bytes: number;
  code: string | null;
  message: string | null;
}
