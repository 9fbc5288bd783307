/** Rows of the run dispatch tables (migration 011). */

/** A concurrency key: its row is locked by every claim under the key. */
export interface RunKeyRow {
  key: string;
  claims: number;
}

/** A worker process serving runs; alive while its heartbeat is fresh. */
export interface WorkerRow {
  worker_id: string;
  host: string;
  pid: number;
  /** JSON array of the run kinds it serves. */
  kinds: string;
  concurrency: number;
  started_at: number;
  heartbeat_at: number;
}
