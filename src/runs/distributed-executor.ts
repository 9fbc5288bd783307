import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, type Task } from 'graphile-worker';
import type { Kysely } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import { isConnectionLost } from '../meta/connection-lost.js';
import type { MetaSchema } from '../meta/schema.js';
import { METADATA_BACKOFF, untilReachable } from './backoff.js';
import { installGraphile, taskOfKind } from './graphile-dispatch.js';
import { GraphileRunner } from './graphile-runner.js';
import { newWorkerId } from './local-worker.js';
import { repeatEvery, type Repeating } from './repeat-every.js';
import { isTerminalStatus, type Run } from './run.js';
import { RunAttempt } from './run-attempt.js';
import type { RunExecutor, RunHandler, SubmitOptions, WaitOptions } from './run-executor.js';
import type { RunStore } from './run-store.js';
import type { WorkerInfo, WorkerRegistry } from './worker-registry.js';

export interface DistributedExecutorOptions {
  /** The PostgreSQL metadata database, which holds graphile-worker's schema too. */
  connectionString: string;
  db: Kysely<MetaSchema>;
  /** How often a running run's and this worker's heartbeats are written. 1000 ms. */
  heartbeatMs?: number;
  /** Wait before the first retry, doubled for each later one, at most 30 s. 500 ms. */
  retryDelayMs?: number;
  /** How often `wait` re-reads a run. 100 ms. */
  pollMs?: number;
  onHandlerError?: (error: LakeError, run: Run) => void;
  onBackgroundError?: (error: unknown) => void;
}

export interface WorkOptions {
  /** Runs performed at once by this process. 4 unless told. */
  concurrency?: number;
  /** Only these kinds (all registered kinds unless told). */
  kinds?: readonly string[];
  /** Sees each run this worker starts and ends (for a worker's log). */
  onRun?: (event: 'started' | 'ended', run: Run) => void;
}

export interface StopOptions {
  /**
   * How long runs in flight may take to finish; then they are handed back (failed as
   * WORKER_LOST and retried per their policy on another worker). Unbounded unless told.
   */
  deadlineMs?: number;
  /** Cancel the runs in flight instead of letting them finish. */
  abort?: boolean;
  /** Once aborted, the runs still in flight are handed back without waiting any longer. */
  handBackNow?: AbortSignal;
}

/**
 * Runs runs on any number of worker processes through graphile-worker on the PostgreSQL
 * metadata database. `lb_run` is the record of every run (status, attempts, heartbeats,
 * concurrency keys); graphile-worker only carries the dispatch: a job per queued run, added
 * in the transaction that queues it (see `graphileDispatch`), fetched with SKIP LOCKED and
 * woken by LISTEN/NOTIFY. Every process can submit, wait and cancel; a process that calls
 * `work()` also performs runs, claiming each in `lb_run` (within its concurrency key's
 * limit) and heartbeating there, so a dead worker is found by its heartbeat from any
 * machine and its runs retried elsewhere.
 *
 * @example
 * const executor = new DistributedExecutor(store, registry, { connectionString: url });
 * executor.register('crawl', crawlHandler);
 * await executor.work({ concurrency: 8 });
 */
export class DistributedExecutor implements RunExecutor {
  /** `host:pid`, recorded as the worker of every run this process claims. */
  readonly worker = newWorkerId();

  readonly #store: RunStore;
  readonly #workers: WorkerRegistry;
  readonly #options: DistributedExecutorOptions;
  readonly #heartbeatMs: number;
  readonly #pollMs: number;
  readonly #report: (error: unknown) => void;
  readonly #handlers = new Map<string, RunHandler>();
  /** Runs being performed by this process. */
  readonly #inFlight = new Map<string, { attempt: RunAttempt; done: Promise<void> }>();
  readonly #lifetime = new AbortController();
  readonly #ready: Promise<void>;
  #runner: GraphileRunner | undefined;
  /** Since when this worker has reached the database without a failed heartbeat. */
  #reachableSince: number | undefined;
  #beat: Repeating | undefined;
  #closing: Promise<void> | undefined;
  #aborting = false;
  #onRun: WorkOptions['onRun'];

  constructor(store: RunStore, workers: WorkerRegistry, options: DistributedExecutorOptions) {
    this.#store = store;
    this.#workers = workers;
    this.#options = options;
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#pollMs = options.pollMs ?? 100;
    const onError =
      options.onBackgroundError ??
      ((error: unknown) => process.emitWarning(error instanceof Error ? error : String(error)));
    this.#report = (error) => {
      try {
        onError(error);
      } catch {
        // A broken reporter must not take the executor down with it.
      }
    };
    this.#ready = installGraphile(options.db, options.connectionString, quietLogger(this.#report));
    this.#ready.catch((error: unknown) => this.#report(error));
  }

  /** Resolves once graphile-worker's schema is in place (and, when working, registered). */
  ready(): Promise<void> {
    return this.#ready;
  }

  register(kind: string, handler: RunHandler): void {
    if (this.#handlers.has(kind)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Run kind "${kind}" already has a handler; register each kind once.`,
      );
    }
    if (this.#runner) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Run kind "${kind}" was registered after this worker started; register every kind first.`,
      );
    }
    this.#handlers.set(kind, handler);
  }

  /**
   * @throws LakeError UNKNOWN_RUN_KIND when no handler is registered for `kind`.
   * @throws LakeError EXECUTOR_CLOSED after `close()`.
   */
  async submit(kind: string, options: SubmitOptions = {}): Promise<Run> {
    if (this.#closing) throw closedError();
    if (!this.#handlers.has(kind)) throw unknownKind(kind, [...this.#handlers.keys()]);
    await this.#ready;
    const { concurrency, ...rest } = options;
    return this.#store.create({
      kind,
      ...rest,
      ...(concurrency ? { concurrency, refuseWhenFull: concurrency.refuseWhenFull } : {}),
    });
  }

  async wait(runId: string, options: WaitOptions = {}): Promise<Run> {
    const stop = options.signal
      ? AbortSignal.any([options.signal, this.#lifetime.signal])
      : this.#lifetime.signal;
    for (let id = runId; ;) {
      stop.throwIfAborted();
      const run = await this.#store.get(id);
      if (run.status === 'failed') {
        const next = await this.#store.nextAttempt(id);
        if (!next) return run;
        id = next.id;
        continue;
      }
      if (isTerminalStatus(run.status)) return run;
      await sleep(this.#pollMs, undefined, { signal: stop }).catch(() => stop.throwIfAborted());
    }
  }

  async cancel(runId: string): Promise<Run> {
    let latest = await this.#store.get(runId);
    for (let next; latest.status === 'failed' && (next = await this.#store.nextAttempt(latest.id));)
      latest = next;
    const run = await this.#store.requestCancel(latest.id);
    // Here at once; elsewhere its worker sees the flag at its next heartbeat.
    if (run.status === 'running') this.#inFlight.get(run.id)?.attempt.cancel(run.id);
    return run;
  }

  /**
   * Makes this process a worker: it joins the registry, fails (and retries) the runs of
   * workers whose heartbeat has expired, and performs runs of its kinds until stopped.
   *
   * @example await executor.work({ concurrency: 4, kinds: ['sync', 'crawl'] });
   * @throws LakeError UNKNOWN_RUN_KIND for a kind without a handler.
   */
  async work(options: WorkOptions = {}): Promise<void> {
    await this.#ready;
    const kinds = options.kinds ? [...options.kinds] : [...this.#handlers.keys()];
    for (const kind of kinds) {
      if (!this.#handlers.has(kind)) throw unknownWorkKind(kind, [...this.#handlers.keys()]);
    }
    const concurrency = options.concurrency ?? 4;
    this.#onRun = options.onRun;
    const info = { id: this.worker, kinds, concurrency };
    await this.#workers.register(info);
    this.#reachableSince = Date.now();
    const task: Task = async (payload) => {
      await this.#perform((payload as { runId: string }).runId);
    };
    const runner = new GraphileRunner(
      {
        connectionString: this.#options.connectionString,
        concurrency,
        taskList: Object.fromEntries(kinds.map((kind) => [taskOfKind(kind), task])),
        noHandleSignals: true,
        pollInterval: 1000,
        logger: quietLogger(this.#report),
        // Our own deadline hands runs back; graphile's abort must not come first.
        gracefulShutdownAbortTimeout: 24 * 3600 * 1000,
      },
      this.#report,
    );
    await runner.start();
    this.#runner = runner;
    this.#beat = repeatEvery(this.#heartbeatMs, () => this.#heartbeat(info), METADATA_BACKOFF);
  }

  /**
   * This worker's heartbeat, and the recovery of lost workers' runs. While the database is
   * away the beat backs off and no jobs are fetched; once it answers, fetching resumes.
   * Other workers are judged only after this one has reached the database for a grace
   * period: after an outage every heartbeat is stale, and a worker that came back first must
   * not fail the runs of workers that are alive but still backing off.
   */
  async #heartbeat(info: WorkerInfo): Promise<void> {
    try {
      await this.#workers.beat(info);
    } catch (error) {
      this.#report(error);
      if (isConnectionLost(error)) {
        this.#reachableSince = undefined;
        this.#runner?.pause();
      }
      throw error; // backs the beat off
    }
    this.#reachableSince ??= Date.now();
    this.#runner?.resume();
    if (Date.now() - this.#reachableSince < METADATA_BACKOFF.maxMs + 2 * this.#heartbeatMs) return;
    try {
      await this.#recover();
    } catch (error) {
      this.#report(error);
    }
  }

  /**
   * Stops taking runs and resolves once the runs in flight have ended: finished, or after
   * `deadlineMs` handed back for another worker, or cancelled with `abort`.
   */
  close(options: StopOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options);
    return this.#closing;
  }

  async #shutdown({ deadlineMs, abort = false, handBackNow }: StopOptions): Promise<void> {
    await this.#ready.catch(() => undefined);
    const stopping = this.#runner?.stop();
    if (abort) {
      this.#aborting = true;
      await Promise.allSettled([...this.#inFlight.keys()].map((id) => this.cancel(id)));
    }
    const drained = Promise.allSettled([...this.#inFlight.values()].map((f) => f.done));
    if ((deadlineMs !== undefined || handBackNow) && this.#inFlight.size > 0) {
      const stopWaiting = new AbortController();
      const late = [
        ...(deadlineMs === undefined
          ? []
          : [sleep(deadlineMs, 'late', { signal: stopWaiting.signal })]),
        ...(handBackNow ? [untilAbortedSignal(handBackNow)] : []),
      ].map((promise) => promise.catch(() => 'drained'));
      if ((await Promise.race([drained, ...late])) === 'late') {
        for (const [id, { attempt }] of this.#inFlight) attempt.handBack(id);
      }
      stopWaiting.abort();
    }
    await drained;
    await stopping;
    await this.#beat?.stop();
    this.#lifetime.abort(closedError());
    if (this.#runner) {
      await this.#workers.remove(this.worker).catch((error: unknown) => this.#report(error));
    }
  }

  /** Queued runs wait in the shared queue for any worker: nothing to take over. */
  async hostStranded(): Promise<void> {}

  async #recover(): Promise<void> {
    await this.#store.recoverLost(
      await this.#workers.liveness(),
      this.#options.retryDelayMs ?? 500,
    );
  }

  /** The graphile task: claim the run in `lb_run`, perform it, record its end. */
  async #perform(runId: string): Promise<void> {
    if (this.#inFlight.has(runId)) return;
    // A claim that meets a lost database waits for it: failing the job would leave graphile
    // unable to record the failure, and the run unoffered for hours.
    const run = await untilReachable(() => this.#store.take(runId, this.worker), {
      signal: this.#lifetime.signal,
      report: this.#report,
    });
    if (typeof run === 'string') return;
    const attempt = new RunAttempt(this.#store, {
      heartbeatMs: this.#heartbeatMs,
      retryDelayMs: this.#options.retryDelayMs ?? 500,
      onHandlerError: this.#options.onHandlerError,
      report: this.#report,
    });
    if (run.cancelRequested || this.#aborting) attempt.cancel(run.id);
    this.#notify('started', run);
    const done = attempt
      .perform(this.#handlers.get(run.kind) as RunHandler, run, () => this.#aborting)
      .then(({ finished }) => this.#notify('ended', finished));
    this.#inFlight.set(run.id, { attempt, done });
    try {
      await done;
    } finally {
      this.#inFlight.delete(run.id);
    }
  }

  #notify(event: 'started' | 'ended', run: Run): void {
    try {
      this.#onRun?.(event, run);
    } catch (error) {
      this.#report(error);
    }
  }
}

function untilAbortedSignal(signal: AbortSignal): Promise<'late'> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve('late');
    signal.addEventListener('abort', () => resolve('late'), { once: true });
  });
}

function quietLogger(report: (error: unknown) => void): Logger {
  return new Logger(() => (level, message) => {
    if (level === 'error') report(new Error(`graphile-worker: ${message}`));
  });
}

function closedError(): LakeError {
  return new LakeError(
    'EXECUTOR_CLOSED',
    'The run executor is closed; open the lake again to submit or wait for runs.',
  );
}

export function unknownKind(kind: string, kinds: string[]): LakeError {
  const known =
    kinds.length > 0
      ? `Registered kinds: ${kinds.sort().join(', ')}.`
      : 'No kinds are registered yet.';
  return new LakeError(
    'UNKNOWN_RUN_KIND',
    `No handler is registered for run kind "${kind}". ${known} Register one with register("${kind}", handler) before submitting.`,
    { details: { kind, registered: kinds } },
  );
}

function unknownWorkKind(kind: string, kinds: string[]): LakeError {
  return new LakeError(
    'UNKNOWN_RUN_KIND',
    `Lakebox has no run kind "${kind}"; a worker takes runs of ${kinds.sort().join(', ')} (name some with --kinds, or leave it out for every kind).`,
    { details: { kind, registered: kinds } },
  );
}
