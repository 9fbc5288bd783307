import type { WriteMode } from '../engine/table-writer.js';
import type { QualityAction } from './quality-gate.js';

export type JobKind = 'sql' | 'typescript';

/** How a job writes its target table (the engine's write modes, as data). */
export interface JobWrite {
  mode: WriteMode;
  /** Columns, or `year|month|day|hour(column)` transforms that derive a partition column. */
  partitionBy: string[];
  sortBy: string[];
  mergeKeys: string[];
  /** A SQL predicate over the output's columns; matching rows delete their key (merge). */
  deleteWhen?: string;
  /** e.g. `256MB` (unpartitioned writes). */
  targetFileSize?: string;
  /** Add output columns the target lacks, instead of failing with SCHEMA_MISMATCH. */
  allowAddColumns: boolean;
}

/** What `lake.jobs.create` takes. */
export interface JobSpec {
  /** A DuckDB SELECT over catalog tables; `${name}` placeholders are filled from parameters. */
  sql?: string;
  /** A local TypeScript (or JavaScript) module exporting `transform`; bundled at create time. */
  module?: string;
  /** Tables a TypeScript transform receives (SQL jobs find theirs in the query). */
  inputs?: string[];
  /** `database.table`; created on the first run with the output's schema. */
  target: string;
  mode?: WriteMode;
  partitionBy?: string[];
  sortBy?: string[];
  mergeKeys?: string[];
  deleteWhen?: string;
  targetFileSize?: string;
  allowAddColumns?: boolean;
  /** Read only what was added to the inputs since the last successful run. */
  bookmarks?: boolean;
  /** Default parameter values; a run's parameters override them. */
  parameters?: Record<string, string>;
  /** A run still going after this long is cancelled and leaves nothing visible. */
  timeoutMs?: number;
  /** Runs of this job queued or running at once; a start beyond it is refused. */
  maxConcurrentRuns?: number;
  /** Retries of a run that failed with a transient error (a commit conflict, ...). */
  maxRetries?: number;
  /** A cron schedule (`0 3 * * *`, `CRON_TZ=Europe/Berlin 0 3 * * *`) that `lakebox serve` fires. */
  schedule?: string | null;
  /** A ruleset checked against the output before the commit. */
  quality?: { ruleset: string; action?: QualityAction };
  /** The database that unqualified table names in the SQL belong to. */
  database?: string;
  description?: string;
  /** Replace a job of the same name instead of failing with JOB_EXISTS. */
  replace?: boolean;
}

/** A job as stored. */
export interface Job {
  id: number;
  name: string;
  kind: JobKind;
  target: string;
  sql: string | null;
  /** The bundled transform's key in the `artifacts` zone. */
  artifact: string | null;
  inputs: string[];
  write: JobWrite;
  bookmarks: boolean;
  parameters: Record<string, string>;
  timeoutMs: number | null;
  maxConcurrentRuns: number;
  maxRetries: number;
  schedule: string | null;
  quality: { ruleset: string; action: QualityAction } | null;
  database: string | null;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a run of a job may pass. */
export interface StartJobOptions {
  parameters?: Record<string, string>;
  /** A repeated start with the same key returns the first one's run (see SubmitOptions). */
  idempotencyKey?: string;
}
