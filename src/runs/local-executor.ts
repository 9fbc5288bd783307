import { setTimeout as sleep } from 'node:timers/promises';
import { LakeError } from '../errors/lake-error.js';
import { newWorkerId } from './local-worker.js';
import { repeatEvery, type Repeating } from './repeat-every.js';
import { isTerminalStatus, type Run } from './run.js';
import { RunAttempt } from './run-attempt.js';
import type { RunExecutor, RunHandler, SubmitOptions, WaitOptions } from './run-executor.js';
import type { RunStore } from './run-store.js';
import { untilAborted } from './until-aborted.js';
import type { WorkerInfo, WorkerRegistry } from './worker-registry.js';

export interface LocalExecutorOptions {
  /** Handlers running at once; more runs wait their turn in submit order. 4 unless told. */
  concurrency?: number;
  /**
   * How often a running run's heartbeat is written and its cancel flag read, and this
   * process's worker heartbeat too. 1000 ms.
   */
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

type Phase = 'delayed' | 'queued' | 'blocked' | 'starting' | 'running';

/** A run this executor has taken on, from its submission (or retry) until it has ended. */
interface Tracked {
  readonly id: string;
  readonly kind: string;
  /** Its concurrency key: a `blocked` run waits for a run of the key to end. */
  readonly key: string | null;
  phase: Phase;
  attempt: RunAttempt | undefined;
  timer: NodeJS.Timeout | undefined;
  readonly done: Promise<Run>;
  resolve(run: Run | Promise<Run>): void;
  reject(error: unknown): void;
}

/**
 * Runs runs in this process (the embedded executor): at most `concurrency` handlers at once,
 * the rest queued in submission order. Every run is claimed in the metadata database under
 * this process's worker id (within its concurrency key's limit), heartbeats while it runs,
 * and ends with its status, metrics and error recorded. A failure with a transient
 * LakeError is retried as a new attempt, after a backoff, while attempts remain. The
 * process itself heartbeats in the worker registry; on start and at every beat it fails (or
 * retries) the runs of workers whose heartbeat has expired.
 *
 * @example
 * const executor = new LocalExecutor(runStore, new WorkerRegistry(meta.db, 15_000));
 * executor.register('vacuum', async (ctx) => ({ metrics: { filesRemoved: await vacuum(ctx) } }));
 * const run = await executor.wait((await executor.submit('vacuum')).id);
 */
export class LocalExecutor implements RunExecutor {
  /** `host:pid`, recorded as the worker of every run this executor claims. */
  readonly worker = newWorkerId();
  readonly #store: RunStore;
  readonly #workers: WorkerRegistry;
  readonly #concurrency: number;
  readonly #heartbeatMs: number;
  readonly #retryDelayMs: number;
  readonly #pollMs: number;
  readonly #onHandlerError: ((error: LakeError, run: Run) => void) | undefined;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #handlers = new Map<string, RunHandler>();
  readonly #tracked = new Map<string, Tracked>();
  readonly #queue: Tracked[] = [];
  readonly #blocked: Tracked[] = [];
  /** Registered and past the first recovery: submissions wait for it. */
  readonly #ready: Promise<void>;
  #beat: Repeating | undefined;
  readonly #submitting = new Set<Promise<unknown>>();
  /** Aborted once closed: stops polling waits. */
  readonly #lifetime = new AbortController();
  #running = 0;
  #hosting = false;
  #closing: Promise<void> | undefined;
  #aborting = false;

  constructor(store: RunStore, workers: WorkerRegistry, options: LocalExecutorOptions = {}) {
    this.#store = store;
    this.#workers = workers;
    this.#concurrency = positiveInteger('concurrency', options.concurrency ?? 4);
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#pollMs = options.pollMs ?? 250;
    this.#onHandlerError = options.onHandlerError;
    this.#onBackgroundError =
      options.onBackgroundError ??
      ((error) => process.emitWarning(error instanceof Error ? error : String(error)));
    this.#ready = this.#start();
    this.#ready.catch((error: unknown) => this.#report(error));
  }

  async #start(): Promise<void> {
    await this.#workers.register(this.#info());
    await this.#recover();
    if (this.#closing) return;
    this.#beat = repeatEvery(this.#heartbeatMs, async () => {
      try {
        await this.#workers.beat(this.#info());
        await this.#recover();
        this.#offerBlocked();
      } catch (error) {
        this.#report(error);
      }
    });
  }

  ready(): Promise<void> {
    return this.#ready;
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
    // Runs of dead workers are failed first, so that they hold no concurrency key.
    await this.#ready.catch(() => undefined);
    const { concurrency, ...rest } = options;
    const creating = this.#store.create({
      kind,
      ...rest,
      worker: this.worker,
      ...(concurrency ? { concurrency, refuseWhenFull: concurrency.refuseWhenFull } : {}),
    });
    this.#submitting.add(creating);
    try {
      const run = await creating;
      // A repeated idempotent submit returns a run recorded before: not one to queue again.
      if (run.worker === this.worker && run.status === 'queued' && !this.#tracked.has(run.id))
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
    if (run.status === 'cancelled' && isWaiting(tracked.phase)) {
      clearTimeout(tracked.timer);
      this.#dequeue(tracked);
      this.#settle(tracked, run);
    } else if (run.status === 'running') {
      // A run still being claimed ('starting') is stopped before its handler is called.
      tracked.attempt?.cancel(tracked.id);
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
    await this.#ready.catch(() => undefined);
    for (const tracked of [...this.#queue, ...this.#blocked]) {
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
    await this.#beat?.stop();
    this.#lifetime.abort(closedError());
    await this.#workers.remove(this.worker).catch((error: unknown) => this.#report(error));
  }

  #info(): WorkerInfo {
    return {
      id: this.worker,
      kinds: [...this.#handlers.keys()],
      concurrency: this.#concurrency,
      hosting: this.#hosting,
    };
  }

  /**
   * @example await executor.hostStranded(); // runs left queued by dead processes run here
   */
  async hostStranded(): Promise<void> {
    this.#hosting = true;
    await this.#ready.catch(() => undefined);
    await this.#workers.register(this.#info());
    await this.#recover();
  }

  async #recover(): Promise<void> {
    const recovered = await this.#store.recoverLost(
      await this.#workers.liveness(),
      this.#retryDelayMs,
      this.#hosting
        ? { adopter: this.worker }
        : { keepQueued: await this.#workers.strandedPolicy() },
    );
    // Adopted retries start when their kind has a handler here; other processes may adopt
    // them too, and the claim decides which one runs them.
    if (this.#closing) return;
    for (const run of [...recovered.retried, ...recovered.adopted]) {
      if (!this.#tracked.has(run.id)) this.#delay(this.#track(run), run);
    }
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
      key: run.concurrency?.key ?? null,
      phase: 'queued',
      attempt: undefined,
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
    for (const list of [this.#queue, this.#blocked]) {
      const index = list.indexOf(tracked);
      if (index >= 0) list.splice(index, 1);
    }
  }

  /**
   * Offers the oldest blocked run of `key` (of every key when none is given: at each beat,
   * for runs of the key that ended in other processes) its claim again.
   */
  #offerBlocked(key?: string | null): void {
    const keys = key === undefined ? new Set(this.#blocked.map((t) => t.key)) : [key];
    for (const each of keys) {
      if (each === null) continue;
      const index = this.#blocked.findIndex((tracked) => tracked.key === each);
      if (index < 0) continue;
      const [tracked] = this.#blocked.splice(index, 1) as [Tracked];
      this.#enqueue(tracked);
    }
  }

  /** Queues a run once its backoff (`notBefore`) has passed. */
  #delay(tracked: Tracked, run: Run): void {
    const wait = (run.notBefore?.getTime() ?? 0) - Date.now();
    if (wait <= 0) {
      this.#enqueue(tracked);
      return;
    }
    tracked.phase = 'delayed';
    tracked.timer = setTimeout(() => {
      tracked.timer = undefined;
      this.#enqueue(tracked);
    }, wait);
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
      const claim = await this.#store.claim(tracked.id, this.worker);
      if (claim === 'busy') {
        tracked.phase = 'blocked';
        this.#blocked.push(tracked);
        return;
      }
      if (claim === 'taken') {
        // Cancelled while queued, or adopted by another process: its record tells the rest.
        const run = await this.#store.get(tracked.id);
        this.#settle(tracked, isTerminalStatus(run.status) ? run : this.#poll(run.id));
        this.#offerBlocked(tracked.key);
        return;
      }
      tracked.phase = 'running';
      const run = await this.#store.get(tracked.id);
      const attempt = new RunAttempt(this.#store, {
        heartbeatMs: this.#heartbeatMs,
        retryDelayMs: this.#retryDelayMs,
        onHandlerError: this.#onHandlerError,
        report: (error) => this.#report(error),
      });
      tracked.attempt = attempt;
      if (run.cancelRequested) attempt.cancel(run.id);
      const handler = this.#handlers.get(run.kind) as RunHandler;
      const { finished, retried } = await attempt.perform(handler, run, () => this.#aborting);
      if (retried) await this.#scheduleRetry(finished);
      this.#settle(tracked, finished);
      this.#offerBlocked(tracked.key);
    } catch (error) {
      this.#report(error);
      this.#tracked.delete(tracked.id);
      tracked.reject(error);
    }
  }

  /** Tracks the next attempt now (so `wait` follows it) and queues it after its backoff. */
  async #scheduleRetry(failed: Run): Promise<void> {
    const next = await this.#store.nextAttempt(failed.id);
    if (!next || next.status !== 'queued') return;
    if (this.#aborting) {
      await this.#store.requestCancel(next.id);
      return;
    }
    this.#delay(this.#track(next), next);
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

  #report(error: unknown): void {
    try {
      this.#onBackgroundError(error);
    } catch {
      // A broken reporter must not take the executor down with it.
    }
  }
}

function isWaiting(phase: Phase): boolean {
  return phase === 'queued' || phase === 'delayed' || phase === 'blocked';
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
