import type { Generated } from 'kysely';
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
  /** 1 for the host of the lake (`lakebox serve`), which takes over runs left queued (017). */
  hosting: Generated<number>;
}

/** A schedule's tick that was fired (migration 013): the key refuses a second firing. */
export interface ScheduleTickRow {
  /** `<kind>:<name>`, e.g. `sync:nightly`. */
  schedule_key: string;
  tick_at: number;
  run_id: string | null;
  fired_at: number;
  /** Why the tick started nothing (the resource was gone, its limit full). */
  error: string | null;
}

/** How far the scheduler has looked for due ticks, and which process leads it. */
export interface SchedulerStateRow {
  scheduler: string;
  checked_until: number;
  leader: string;
}
