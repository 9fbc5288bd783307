/**
 * Where a run is in its life. A run is created `queued`, claimed into `running` and ends in
 * one of the four terminal statuses; a retry is a new run (a new attempt), never a status
 * going back.
 */
export type RunStatus =
  'queued' | 'running' | 'succeeded' | 'succeeded_with_errors' | 'failed' | 'cancelled';

export type TerminalRunStatus = Exclude<RunStatus, 'queued' | 'running'>;

// A Record, not a list, so that a new status breaks the build until it is classified.
const TERMINAL: Record<RunStatus, boolean> = {
  queued: false,
  running: false,
  succeeded: true,
  succeeded_with_errors: true,
  failed: true,
  cancelled: true,
};

export const RUN_STATUSES = Object.keys(TERMINAL) as readonly RunStatus[];

/** True for the statuses a run never leaves. */
export function isTerminalStatus(status: RunStatus): status is TerminalRunStatus {
  return TERMINAL[status];
}

export function isRunStatus(value: string): value is RunStatus {
  return Object.hasOwn(TERMINAL, value);
}

/** What a failed run recorded: a stable code and a message, never a stack or a secret. */
export interface RunError {
  code: string;
  message: string;
}

/** How far long work has come, for progress bars and `runs show`. */
export interface RunProgress {
  phase?: string;
  done?: number;
  total?: number;
  unit?: string;
  message?: string;
}

export type RunLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RunLogEntry {
  /** Increasing within a run; pass the last one seen as `after` to tail a run's log. */
  id: number;
  ts: Date;
  level: RunLogLevel;
  message: string;
}

/**
 * Runs sharing a key run at most `limit` at a time: "one run of this migration task"
 * (`migration:shop`, limit 1), "at most 3 runs of this job" (`job:daily`, limit 3). The
 * limit is checked in the transaction that claims a run; a run over it waits, queued.
 */
export interface RunConcurrency {
  key: string;
  limit: number;
}

/** One attempt at one piece of work: a load, a crawl, a job run, a pipeline run, ... */
export interface Run {
  id: string;
  kind: string;
  name: string | null;
  status: RunStatus;
  /** 1 for the first attempt; a retry is a new run with `attempt + 1` and `retryOf` set. */
  attempt: number;
  maxAttempts: number;
  retryOf: string | null;
  parameters: Record<string, unknown>;
  metrics: Record<string, number>;
  progress: RunProgress | null;
  error: RunError | null;
  cancelRequested: boolean;
  /** The worker that claimed the run: `host:pid` of its process. */
  worker: string | null;
  concurrency: RunConcurrency | null;
  /** Stopped and failed with RUN_TIMEOUT after running this long. */
  timeoutMs: number | null;
  /** A retry waiting out its backoff is not claimed before this time. */
  notBefore: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  /** For a run lost with its worker: its last heartbeat, so its duration is true. */
  endedAt: Date | null;
  heartbeatAt: Date | null;
  /** Trigger deliveries that led to this run (0 for a run nobody's trigger started). */
  chainDepth: number;
}
