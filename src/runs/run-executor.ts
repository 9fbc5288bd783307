import type { Run, RunLogLevel, RunProgress } from './run.js';

/** What a handler gets: its run, its parameters and the means to report and to stop. */
export interface RunContext {
  /** The run as claimed: status `running`, with its attempt number. */
  readonly run: Run;
  readonly parameters: Record<string, unknown>;
  /** Aborted when the run is cancelled; pass it to anything that accepts one. */
  readonly signal: AbortSignal;
  /** Writes go out in order in the background; awaiting them is optional and never throws. */
  log(level: RunLogLevel, message: string): Promise<void>;
  info(message: string): Promise<void>;
  /** Merges metrics (a name given again replaces its value). Throws at once on a non-finite number. */
  addMetrics(metrics: Record<string, number>): Promise<void>;
  /** Replaces the progress; rapid calls are coalesced into the latest value. */
  setProgress(progress: RunProgress): Promise<void>;
  /** Throws LakeError RUN_CANCELLED once the run has been cancelled. */
  throwIfCancelled(): void;
}

export interface RunOutcome {
  /** `succeeded_with_errors` for work that finished but skipped or rejected part of its input. */
  status?: 'succeeded' | 'succeeded_with_errors';
  metrics?: Record<string, number>;
}

/**
 * The code behind a kind of run. Return to succeed; throw to fail (a transient LakeError
 * is retried while attempts remain); honour `ctx.signal` to stop early when cancelled.
 */
export type RunHandler = (ctx: RunContext) => Promise<RunOutcome | void>;

export interface SubmitOptions {
  name?: string;
  parameters?: Record<string, unknown>;
  /** Attempts in all for failures with a transient error; 1 (no retry) unless told. */
  maxAttempts?: number;
  /**
   * At most `limit` runs of `key` run at once, checked in the transaction that claims a
   * run; one over the limit waits its turn, queued. With `refuseWhenFull`, submitting when
   * `limit` runs of the key are queued or running fails at once (RUN_CONCURRENCY_LIMIT),
   * checked in the transaction that records the run.
   */
  concurrency?: { key: string; limit: number; refuseWhenFull?: boolean };
  /** Stops the run after this long and fails it with RUN_TIMEOUT (retried while attempts remain). */
  timeoutMs?: number;
  /**
   * Makes the submission safe to repeat after a crash: a second submit with the same key
   * returns the run the first one recorded (whatever its status) and queues nothing. The
   * scheduler keys each tick (`schedule:<resource>@<tick>`), a trigger each (trigger, event).
   */
  idempotencyKey?: string;
  /** Trigger deliveries that led to this run; the submitting run's depth unless told. */
  chainDepth?: number;
}

export interface WaitOptions {
  /** Stops waiting (not the run): the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Runs runs. The local executor runs them in this process; a distributed one hands them to
 * workers through a queue. Callers see the same contract either way.
 */
export interface RunExecutor {
  /**
   * Resolves once the executor has joined the worker registry and failed (or retried) the
   * runs of workers found dead; `submit` waits for it on its own.
   */
  ready(): Promise<void>;
  /** Sets the handler for a kind; a kind has one handler. */
  register(kind: string, handler: RunHandler): void;
  /**
   * Records a queued run of `kind` and schedules it; resolves with the queued run.
   *
   * @throws LakeError UNKNOWN_RUN_KIND when no handler is registered for `kind`.
   * @throws LakeError RUN_CONCURRENCY_LIMIT with `refuseWhenFull` and the key at its limit.
   */
  submit(kind: string, options?: SubmitOptions): Promise<Run>;
  /**
   * Resolves with the run once it has ended; when it failed and was retried, follows the
   * retries and resolves with the final attempt.
   *
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  wait(runId: string, options?: WaitOptions): Promise<Run>;
  /**
   * Cancels a run (or its latest retry): a queued run at once, a running one by aborting
   * its signal; it then ends `cancelled` when its handler returns. Resolves with the run
   * as it stands after the request.
   *
   * @throws LakeError RUN_NOT_CANCELLABLE when the run has already ended.
   */
  cancel(runId: string): Promise<Run>;
  /**
   * Makes this executor the host of work that processes left behind: from now on, runs a
   * dead process had queued but not started are taken over and run here instead of failed
   * as lost (`lakebox serve` does this). A queue shared by workers needs nothing: its runs
   * wait for any worker already.
   */
  hostStranded(): Promise<void>;
  /** Stops taking runs, lets running ones finish (or aborts them) and releases timers. */
  close(options?: { abort?: boolean }): Promise<void>;
}
