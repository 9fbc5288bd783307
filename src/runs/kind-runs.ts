import { LakeError } from '../errors/lake-error.js';
import type { Run } from './run.js';
import type { RunExecutor, WaitOptions } from './run-executor.js';
import type { RunStore } from './run-store.js';

/**
 * The run verbs every service shares, for the runs of its own kind: `wait` and `cancel` by
 * id, each refusing a run of another kind (a job's run id given to `lake.sync.cancel` is a
 * mistake worth one clear line, not a cancelled job). Services add `start` (returns the
 * run at once) and `run` (starts and waits) on top, with their own arguments.
 *
 * @example
 * const runs = new KindRuns(services, 'crawl', 'crawl');
 * const ended = await runs.wait(run.id);
 */
export class KindRuns {
  readonly #runs: RunStore;
  readonly #executor: RunExecutor;

  constructor(
    services: { readonly runs: RunStore; readonly executor: RunExecutor },
    /** The run kind, as registered with the executor. */
    readonly kind: string,
    /** How a run of the kind is called in messages ("sync execution", "job run"). */
    readonly noun: string,
  ) {
    this.#runs = services.runs;
    this.#executor = services.executor;
  }

  /** @throws LakeError RUN_NOT_FOUND; INVALID_ARGUMENT when the run is of another kind. */
  async get(runId: string): Promise<Run> {
    const run = await this.#runs.get(runId);
    if (run.kind !== this.kind) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Run ${runId} is a ${run.kind} run, not a ${this.noun}; see it with \`lakebox run ${runId}\`.`,
      );
    }
    return run;
  }

  /**
   * Resolves with the run once it has ended (its last attempt, after retries).
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (another kind).
   */
  async wait(runId: string, options: WaitOptions = {}): Promise<Run> {
    await this.get(runId);
    return this.#executor.wait(runId, options);
  }

  /**
   * Cancels the run (or its latest retry), wherever it runs.
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (another kind), RUN_NOT_CANCELLABLE.
   */
  async cancel(runId: string): Promise<Run> {
    await this.get(runId);
    return this.#executor.cancel(runId);
  }

  /** Waits for a run that `started` resolves with; `run(...)` is `start(...)` then this. */
  async untilEnded(started: Promise<Run>, options: WaitOptions = {}): Promise<Run> {
    return this.#executor.wait((await started).id, options);
  }
}
