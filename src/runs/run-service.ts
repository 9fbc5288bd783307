import type { Run, RunLogEntry } from './run.js';
import type { RunExecutor, WaitOptions } from './run-executor.js';
import type { RunLogQuery } from './run-log-store.js';
import type { RunQuery, RunStore } from './run-store.js';

/**
 * Every run of the lake, whatever its kind: what `lakebox runs` and `lakebox run` show, and
 * waiting for and cancelling a run by id. Starting runs is the business of each service
 * (`lake.jobs.start`, `lake.sync.start`, ...), which all return a `Run`.
 *
 * @example
 * const run = await lake.jobs.start('daily');
 * const ended = await lake.runs.wait(run.id);
 * for (const entry of await lake.runs.logs(ended.id)) console.log(entry.message);
 */
export class RunService {
  readonly #store: RunStore;
  readonly #executor: RunExecutor;

  constructor(store: RunStore, executor: RunExecutor) {
    this.#store = store;
    this.#executor = executor;
  }

  /** @throws LakeError RUN_NOT_FOUND */
  get(runId: string): Promise<Run> {
    return this.#store.get(runId);
  }

  /** Runs newest first, by kind, name or status; runs of dead processes show as lost. */
  list(query: RunQuery = {}): Promise<Run[]> {
    return this.#store.list(query);
  }

  /** A run's log lines, oldest first. @throws LakeError RUN_NOT_FOUND */
  logs(runId: string, query: RunLogQuery = {}): Promise<RunLogEntry[]> {
    return this.#store.logs(runId, query);
  }

  /**
   * Resolves with the run once it has ended, following its retries to the last attempt,
   * wherever it runs (this process, another one, a worker).
   *
   * @throws LakeError RUN_NOT_FOUND
   */
  wait(runId: string, options: WaitOptions = {}): Promise<Run> {
    return this.#executor.wait(runId, options);
  }

  /**
   * Cancels a run (or its latest retry): a queued one at once, a running one at its next
   * check, wherever it runs. Resolves with the run as it stands after the request.
   *
   * @throws LakeError RUN_NOT_FOUND, RUN_NOT_CANCELLABLE (it has already ended).
   */
  cancel(runId: string): Promise<Run> {
    return this.#executor.cancel(runId);
  }

  /** How many runs of each kind are queued and running (for metrics). */
  activeCounts(): ReturnType<RunStore['activeCounts']> {
    return this.#store.activeCounts();
  }
}
