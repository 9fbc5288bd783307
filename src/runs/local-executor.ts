import { setTimeout as sleep } from 'node:timers/promises';
import { LakeError } from '../errors/lake-error.js';
import { isLocalWorkerAlive, localWorkerId } from './local-worker.js';
import { repeatEvery } from './repeat-every.js';
import { isTerminalStatus, type Run } from './run.js';
import { runInBoundary, type HandlerResult } from './run-boundary.js';
import { createRunContext } from './run-context.js';
import type { RunExecutor, RunHandler, SubmitOptions, WaitOptions } from './run-executor.js';
import { RunRecorder } from './run-recorder.js';
import type { RecoveredRuns, RunStore } from './run-store.js';
import { untilAborted } from './until-aborted.js';

export interface LocalExecutorOptions {
  /** Handlers running at once; more runs wait their turn in submit order. 4 unless told. */
  concurrency?: number;
  /** How often a running run's heartbeat is written and its cancel flag read. 1000 ms. */
  heartbeatMs?: number;
  /** Wait before the first retry, doubled for each later one, at most 30 s. 500 ms. */
  retryDelayMs?: number;
  /** How often `wait` re-reads a run that another process runs. 250 ms. */
  pollMs?: number;
  /**
   * Sees every error a handler failed with, with its cause chain and stack, which the run
   * record does not keep (for debug output or an error tracker).
   */
  onHandlerError?: (error: LakeError, run: Run) => void;
  /** Failures of background work: heartbeats, log writes, recovery. A process warning unless told. */
  onBackgroundError?: (error: unknown) => void;
}

type Phase = 'delayed' | 'queued' | 'starting' | 'running';

/** A run this executor has taken on, from its submission (or retry) until it has ended. */
interface Tracked {
  readonly id: string;
  readonly kind: string;
  phase: Phase;
  readonly controller: AbortController;
  cancelRequested: boolean;
  timer: NodeJS.Timeout | undefined;
  readonly done: Promise<Run>;
  resolve(run: Run | Promise<Run>): void;
  reject(error: unknown): void;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Runs runs in this process: at most `concurrency` handlers at once, the rest queued in
 * submission order. Every run is claimed in the metadata database under this process's
 * worker id, heartbeats while it runs, and ends with its status, metrics and error
 * recorded. A failure with a transient LakeError is retried as a new attempt while
 * attempts remain. On construction it fails (or retries) the runs left `running` by
 * processes on this host that have died.
 *
 * @example
 * const executor = new LocalExecutor(new RunStore(meta.db, new EventLog(meta.db)));
 * executor.register('vacuum', async (ctx) => ({ metrics: { filesRemoved: await vacuum(ctx) } }));
 * const run = await executor.wait((await executor.submit('vacuum')).id);
 */
export class LocalExecutor implements RunExecutor {
  /** `host:pid`, recorded as the worker of every run this executor claims. */
  readonly worker = localWorkerId();
  /** The recovery of runs lost by dead processes on this host, started on construction. */
  readonly recovery: Promise<RecoveredRuns>;

  readonly #store: RunStore;
  readonly #concurrency: number;
  readonly #heartbeatMs: number;
  readonly #retryDelayMs: number;
  readonly #pollMs: number;
  readonly #onHandlerError: ((error: LakeError, run: Run) => void) | undefined;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #handlers = new Map<string, RunHandler>();
  readonly #tracked = new Map<string, Tracked>();
  readonly #queue: Tracked[] = [];
  readonly #submitting = new Set<Promise<unknown>>();
  /** Aborted once closed: stops polling waits. */
  readonly #lifetime = new AbortController();
  #running = 0;
  #closing: Promise<void> | undefined;
  #aborting = false;

  constructor(store: RunStore, options: LocalExecutorOptions = {}) {
    this.#store = store;
    this.#concurrency = positiveInteger('concurrency', options.concurrency ?? 4);
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#pollMs = options.pollMs ?? 250;
    this.#onHandlerError = options.onHandlerError;
    this.#onBackgroundError =
      options.onBackgroundError ??
      ((error) => process.emitWarning(error instanceof Error ? error : String(error)));
    this.recovery = this.#recover();
    this.recovery.catch((error: unknown) => this.#report(error));
  }

  /**
   * Sets the handler of a kind. Runs of the kind recovered from a dead process start once
   * it is registered.
   *
   * @example executor.register('crawl', async (ctx) => { await crawl(ctx.parameters, ctx.signal); });
   * @throws LakeError INVALID_ARGUMENT when the kind already has a handler.
   */
  register(kind: string, handler: RunHandler): void {
    if (this.#handlers.has(kind)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Run kind "${kind}" already has a handler; register each kind once.`,
      );
    }
    this.#handlers.set(kind, handler);
    this.#pump();
  }

  /**
   * @example const run = await executor.submit('load', { name: 'orders', parameters: { table: 'raw.orders' } });
   * @throws LakeError UNKNOWN_RUN_KIND when no handler is registered for `kind`.
   * @throws LakeError EXECUTOR_CLOSED after `close()`.
   */
  async submit(kind: string, options: SubmitOptions = {}): Promise<Run> {
    if (this.#closing) throw closedError();
    if (!this.#handlers.has(kind)) throw unknownKind(kind, [...this.#handlers.keys()]);
    const creating = this.#store.create({ kind, ...options, worker: this.worker });
    this.#submitting.add(creating);
    try {
      const run = await creating;
      this.#enqueue(this.#track(run));
      return run;
    } finally {
      this.#submitting.delete(creating);
    }
  }

  /**
   * @example const final = await executor.wait(run.id, { signal: AbortSignal.timeout(60_000) });
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   * @throws LakeError EXECUTOR_CLOSED when the executor closes while waiting on a run it does not run.
   */
  async wait(runId: string, options: WaitOptions = {}): Promise<Run> {
    for (let id = runId; ;) {
      const tracked = this.#tracked.get(id);
      const ended = tracked ? tracked.done : this.#poll(id, options.signal);
      const run = await (options.signal ? untilAborted(ended, options.signal) : ended);
      if (run.status !== 'failed') return run;
      const next = await this.#store.nextAttempt(id);
      if (!next) return run;
      id = next.id;
    }
  }

  /**
   * @example await executor.cancel(run.id); const cancelled = await executor.wait(run.id);
   * @throws LakeError RUN_NOT_CANCELLABLE when the run (and its latest retry) has ended.
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async cancel(runId: string): Promise<Run> {
    const id = await this.#latestAttempt(runId);
    const run = await this.#store.requestCancel(id);
    const tracked = this.#tracked.get(id);
    if (!tracked) return run;
    if (run.status === 'cancelled' && (tracked.phase === 'queued' || tracked.phase === 'delayed')) {
      clearTimeout(tracked.timer);
      this.#dequeue(tracked);
      this.#settle(tracked, run);
    } else if (run.status === 'running') {
      // A run still being claimed ('starting') is stopped before its handler is called.
      this.#abort(tracked);
    }
    return run;
  }

  /**
   * Stops taking submissions and resolves when every run this executor took on has ended:
   * by default they run to completion (retries included); with `abort` they are cancelled.
   * Runs of kinds that have no handler here stay queued in the database.
   *
   * @example await executor.close({ abort: true });
   */
  close(options: { abort?: boolean } = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.abort ?? false);
    return this.#closing;
  }

  async #shutdown(abort: boolean): Promise<void> {
    await Promise.allSettled([...this.#submitting]);
    await this.recovery.catch(() => undefined);
    for (const tracked of [...this.#queue]) {
      if (this.#handlers.has(tracked.kind)) continue;
      this.#dequeue(tracked);
      this.#tracked.delete(tracked.id);
      tracked.reject(closedError());
    }
    if (abort) {
      this.#aborting = true;
      const cancels = [...this.#tracked.keys()].map((id) => this.cancel(id));
      // A run may end on its own meanwhile; RUN_NOT_CANCELLABLE then is no failure.
      await Promise.allSettled(cancels);
    }
    while (this.#tracked.size > 0) {
      await Promise.allSettled([...this.#tracked.values()].map((tracked) => tracked.done));
    }
    this.#lifetime.abort(closedError());
  }

  async #recover(): Promise<RecoveredRuns> {
    const recovered = await this.#store.recoverLost(isLocalWorkerAlive);
    // Adopted retries start when their kind has a handler here; another process on this
    // host may adopt them too, and the claim decides which one runs them.
    if (!this.#closing) for (const run of recovered.retried) this.#enqueue(this.#track(run));
    return recovered;
  }

  #track(run: Run): Tracked {
    let resolve!: (run: Run | Promise<Run>) => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<Run>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody need wait for a run; a failure nobody awaits must not crash the process.
    done.catch(() => undefined);
    const tracked: Tracked = {
      id: run.id,
      kind: run.kind,
      phase: 'queued',
      controller: new AbortController(),
      cancelRequested: false,
      timer: undefined,
      done,
      resolve,
      reject,
    };
    this.#tracked.set(run.id, tracked);
    return tracked;
  }

  #enqueue(tracked: Tracked): void {
    tracked.phase = 'queued';
    this.#queue.push(tracked);
    this.#pump();
  }

  #dequeue(tracked: Tracked): void {
    const index = this.#queue.indexOf(tracked);
    if (index >= 0) this.#queue.splice(index, 1);
  }

  #settle(tracked: Tracked, run: Run | Promise<Run>): void {
    this.#tracked.delete(tracked.id);
    tracked.resolve(run);
  }

  /** Starts queued runs while slots are free, first come first served among known kinds. */
  #pump(): void {
    while (this.#running < this.#concurrency) {
      const index = this.#queue.findIndex((tracked) => this.#handlers.has(tracked.kind));
      if (index < 0) return;
      const [tracked] = this.#queue.splice(index, 1) as [Tracked];
      tracked.phase = 'starting';
      this.#running++;
      void this.#execute(tracked).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  /** Claims, runs and records one run. Never rejects: failures settle the run's waiters. */
  async #execute(tracked: Tracked): Promise<void> {
    try {
      if (!(await this.#store.claim(tracked.id, this.worker))) {
        // Cancelled while queued, or adopted by another process: its record tells the rest.
        const run = await this.#store.get(tracked.id);
        this.#settle(tracked, isTerminalStatus(run.status) ? run : this.#poll(run.id));
        return;
      }
      tracked.phase = 'running';
      const run = await this.#store.get(tracked.id);
      const { finished, retry } = await this.#perform(tracked, run);
      if (retry && finished.status === 'failed') await this.#scheduleRetry(finished);
      this.#settle(tracked, finished);
    } catch (error) {
      this.#report(error);
      this.#tracked.delete(tracked.id);
      tracked.reject(error);
    }
  }

  async #perform(tracked: Tracked, run: Run): Promise<{ finished: Run; retry: boolean }> {
    const handler = this.#handlers.get(run.kind) as RunHandler;
    const recorder = new RunRecorder(this.#store, run.id, (error) => this.#report(error));
    const heartbeat = repeatEvery(this.#heartbeatMs, () => this.#beat(tracked));
    const { signal } = tracked.controller;
    const result: HandlerResult = signal.aborted
      ? { ok: false, error: cancelledError(run.id) }
      : await runInBoundary(handler, createRunContext(run, recorder, signal));
    await heartbeat.stop();

    // Once cancelled, a run ends cancelled however its handler ended: aborting surfaces as
    // all sorts of errors (AbortError, closed connections), and a handler that ignored the
    // signal and finished still did so after being told to stop.
    if (tracked.cancelRequested) {
      if (!result.ok && !isCancellation(result.error)) {
        void recorder.log(
          'warn',
          `Cancelled; the handler then ended with ${result.error.code}: ${result.error.message}`,
        );
      }
      await recorder.flush();
      const metrics = result.ok ? result.metrics : undefined;
      return { finished: await this.#store.finish(run.id, 'cancelled', { metrics }), retry: false };
    }
    if (!result.ok) {
      this.#notifyHandlerError(result.error, run);
      void recorder.log('error', `${result.error.code}: ${result.error.message}`);
      await recorder.flush();
      const retry = result.error.transient && !this.#aborting;
      const finished = await this.#store.finish(run.id, 'failed', { error: result.error, retry });
      return { finished, retry };
    }
    await recorder.flush();
    const finished = await this.#store.finish(run.id, result.status, { metrics: result.metrics });
    return { finished, retry: false };
  }

  /** Tracks the next attempt now (so `wait` follows it) and queues it after a backoff. */
  async #scheduleRetry(failed: Run): Promise<void> {
    const next = await this.#store.nextAttempt(failed.id);
    if (!next || next.status !== 'queued') return;
    if (this.#aborting) {
      await this.#store.requestCancel(next.id);
      return;
    }
    const tracked = this.#track(next);
    tracked.phase = 'delayed';
    const delay = Math.min(this.#retryDelayMs * 2 ** (failed.attempt - 1), MAX_RETRY_DELAY_MS);
    tracked.timer = setTimeout(() => {
      tracked.timer = undefined;
      this.#enqueue(tracked);
    }, delay);
  }

  async #beat(tracked: Tracked): Promise<void> {
    try {
      const { status, cancelRequested } = await this.#store.heartbeat(tracked.id);
      // A run that ended elsewhere (failed as lost) is moot: stop it like a cancelled one.
      if (cancelRequested || status !== 'running') this.#abort(tracked);
    } catch (error) {
      this.#report(error);
    }
  }

  #abort(tracked: Tracked): void {
    tracked.cancelRequested = true;
    if (!tracked.controller.signal.aborted) tracked.controller.abort(cancelledError(tracked.id));
  }

  /** Reads a run until it has ended; for runs that another process runs. */
  async #poll(id: string, signal?: AbortSignal): Promise<Run> {
    const stop = signal ? AbortSignal.any([signal, this.#lifetime.signal]) : this.#lifetime.signal;
    for (;;) {
      stop.throwIfAborted();
      const run = await this.#store.get(id);
      if (isTerminalStatus(run.status)) return run;
      const tracked = this.#tracked.get(id);
      if (tracked) return tracked.done;
      await sleep(this.#pollMs, undefined, { signal: stop }).catch(() => stop.throwIfAborted());
    }
  }

  async #latestAttempt(runId: string): Promise<string> {
    let run = await this.#store.get(runId);
    while (run.status === 'failed') {
      const next = await this.#store.nextAttempt(run.id);
      if (!next) break;
      run = next;
    }
    return run.id;
  }

  #notifyHandlerError(error: LakeError, run: Run): void {
    try {
      this.#onHandlerError?.(error, run);
    } catch (hookError) {
      this.#report(hookError);
    }
  }

  #report(error: unknown): void {
    try {
      this.#onBackgroundError(error);
    } catch {
      // A broken reporter must not take the executor down with it.
    }
  }
}

function isCancellation(error: LakeError): boolean {
  return (
    error.code === 'RUN_CANCELLED' ||
    (error.cause instanceof Error && error.cause.name === 'AbortError')
  );
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${name} is ${value}; it must be a whole number of at least 1.`,
    );
  }
  return value;
}

function cancelledError(runId: string): LakeError {
  return new LakeError('RUN_CANCELLED', `Run ${runId} was cancelled.`, { details: { runId } });
}

function closedError(): LakeError {
  return new LakeError(
    'EXECUTOR_CLOSED',
    'The run executor is closed; open the lake again to submit or wait for runs.',
  );
}

function unknownKind(kind: string, kinds: string[]): LakeError {
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
