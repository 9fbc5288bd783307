import type { Kysely, Selectable, Updateable } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { EventLog } from '../events/event-log.js';
import type { MetaSchema, RunLogRow, RunRow } from '../meta/schema.js';
import { redactCredentials } from './redact-credentials.js';
import {
  isRunStatus,
  isTerminalStatus,
  type Run,
  type RunConcurrency,
  type RunLogEntry,
  type RunLogLevel,
  type RunProgress,
  type RunStatus,
  type TerminalRunStatus,
} from './run.js';
import { runErrorOf } from './run-error.js';
import { newRunId } from './run-id.js';
import { checkMetrics } from './run-metrics.js';

export interface NewRun {
  kind: string;
  name?: string;
  /** Stored in the run record as JSON: pass secret references (`${env:NAME}`), never values. */
  parameters?: Record<string, unknown>;
  /** How many attempts a failure with a transient error may use in all; 1 means no retry. */
  maxAttempts?: number;
  attempt?: number;
  retryOf?: string;
  /**
   * The process that queued the run and will run it (local executors), so that a run left
   * queued by a process that died is found by `recoverLost` like a running one.
   */
  worker?: string;
  /** Shared by runs that may run only so many at a time (see `claim`). */
  concurrency?: RunConcurrency;
  /**
   * With a concurrency key: refuse the run at once, with RUN_CONCURRENCY_LIMIT, when the
   * key already has `limit` runs queued or running, instead of queueing it to wait its turn.
   * Checked in the transaction that inserts the run.
   */
  refuseWhenFull?: boolean;
  timeoutMs?: number;
  /** Epoch ms before which the run is not to be claimed (a retry's backoff). */
  notBefore?: number;
  /**
   * A start that may be repeated after a crash (a scheduler's tick, a trigger's delivery of
   * an event): a second `create` with the same key returns the run the first one made.
   */
  idempotencyKey?: string;
}

/**
 * `claimed`: the run is now running for the caller. `busy`: its concurrency key is at its
 * limit, the run stays queued and must be offered again when a run of the key ends.
 * `taken`: the run is no longer queued (claimed elsewhere, cancelled, ended).
 */
export type ClaimResult = 'claimed' | 'busy' | 'taken';

export interface RunQuery {
  kind?: string;
  status?: RunStatus | readonly RunStatus[];
  name?: string;
  /** At most this many runs, newest first; 100 unless told. */
  limit?: number;
}

export interface RunLogQuery {
  /** Only entries after this entry id, to tail a log. */
  after?: number;
  limit?: number;
}

export interface RunEnd {
  /** Recorded as code and message only (see `runErrorOf`). */
  error?: unknown;
  /** Merged into the run's metrics. */
  metrics?: Record<string, number>;
  /** For a failure: queue the next attempt in the same transaction when attempts remain. */
  retry?: boolean;
  /** The next attempt waits this long before it may be claimed. */
  retryDelayMs?: number;
}

export interface RunHeartbeat {
  status: RunStatus;
  cancelRequested: boolean;
}

/** What `recoverLost` does with runs a dead process left queued, never started. */
export interface StrandedRuns {
  /** Hand them to this worker (the host of the lake) instead of failing them. */
  adopter?: string;
  /** Leave those of `worker` queued, for a host to take over (see WorkerRegistry.strandedPolicy). */
  keepQueued?: (worker: string) => boolean;
}

export interface RecoveredRuns {
  /** The runs whose worker was gone, now failed with WORKER_LOST. */
  failed: Run[];
  /** New queued attempts of those runs that had attempts left. */
  retried: Run[];
  /** Runs left queued by a dead process, handed to the adopter (never started, so not failed). */
  adopted: Run[];
}

/**
 * How a queued run reaches a worker, called inside the transaction that queues it, so that
 * a run is never queued without being dispatched (nor dispatched without being queued).
 * An embedded lake has none: its executor holds its queue in memory.
 */
export interface RunDispatch {
  /** `run` is queued: offer it to a worker at `runAt` (epoch ms) or at once. */
  dispatch(trx: Kysely<MetaSchema>, run: Run, runAt?: number): Promise<void>;
}

/** How long a run that found its concurrency key full waits before it is offered again. */
const KEY_RECHECK_MS = 1000;

const LOG_LEVELS: Record<RunLogLevel, true> = { debug: true, info: true, warn: true, error: true };
const MAX_LOG_MESSAGE_LENGTH = 16_000;
const MAX_CHANGE_ATTEMPTS = 20;
const KIND_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

/**
 * Runs and their logs in the metadata database. Every status change is a conditional update
 * (so that two workers, or a worker and a canceller, never both win) and appends its
 * `run.<status>` event in the same transaction. Works unchanged on SQLite and PostgreSQL.
 */
export class RunStore {
  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly events: EventLog,
    private readonly dispatcher?: RunDispatch,
  ) {}

  /**
   * Records a new queued run and appends `run.queued`.
   *
   * @example const run = await store.create({ kind: 'vacuum', parameters: { table: 'sales.orders' } });
   * @throws LakeError INVALID_ARGUMENT for a malformed kind, attempt count or parameters.
   */
  async create(spec: NewRun): Promise<Run> {
    const row = newRunRow(spec);
    return this.db.transaction().execute(async (trx) => {
      if (row.idempotency_key !== null) {
        const made = await this.#byKey(trx, row.idempotency_key);
        if (made) return made;
      }
      if (spec.refuseWhenFull && spec.concurrency) {
        const { key, limit } = spec.concurrency;
        await lockKey(trx, key);
        const active = await trx
          .selectFrom('lb_run')
          .select('run_id')
          .where('concurrency_key', '=', key)
          .where('status', 'in', ['queued', 'running'])
          .orderBy('created_at')
          .limit(limit)
          .execute();
        if (active.length >= limit) {
          const ids = active.map((r) => r.run_id);
          throw new LakeError(
            'RUN_CONCURRENCY_LIMIT',
            `${key} already has ${active.length} run(s) queued or running (its limit is ${limit}); wait for ${ids[0]!} to end.`,
            { transient: true, details: { key, limit, active: ids } },
          );
        }
      }
      return this.#insert(trx, row);
    });
  }

  /**
   * @example const run = await store.get('run_0mb2k3x9z...');
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async get(id: string): Promise<Run> {
    return toRun(await this.#row(this.db, id));
  }

  /**
   * Runs matching every given filter, newest first.
   *
   * @example const failed = await store.list({ kind: 'load', status: 'failed', limit: 10 });
   */
  async list(query: RunQuery = {}): Promise<Run[]> {
    let select = this.db.selectFrom('lb_run').selectAll();
    if (query.kind !== undefined) select = select.where('kind', '=', query.kind);
    if (query.name !== undefined) select = select.where('name', '=', query.name);
    if (query.status !== undefined) {
      const statuses = typeof query.status === 'string' ? [query.status] : [...query.status];
      if (statuses.length === 0) return [];
      select = select.where('status', 'in', statuses);
    }
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('run_id', 'desc')
      .limit(query.limit ?? 100)
      .execute();
    return rows.map(toRun);
  }

  /**
   * How many runs are queued and running now, by kind: one grouped count, for gauges.
   *
   * @example const active = await store.activeCounts(); // [{ kind: 'sync', status: 'running', count: 2 }]
   */
  async activeCounts(): Promise<
    Array<{ kind: string; status: 'queued' | 'running'; count: number }>
  > {
    const rows = await this.db
      .selectFrom('lb_run')
      .select(['kind', 'status', (eb) => eb.fn.countAll<number | string>().as('count')])
      .where('status', 'in', ['queued', 'running'])
      .groupBy(['kind', 'status'])
      .orderBy('kind')
      .orderBy('status')
      .execute();
    return rows.map((r) => ({
      kind: r.kind,
      status: r.status as 'queued' | 'running',
      count: Number(r.count),
    }));
  }

  /**
   * The attempt that retried `id`, or null. Follow it repeatedly to reach the final attempt.
   *
   * @example const next = await store.nextAttempt(run.id);
   */
  async nextAttempt(id: string): Promise<Run | null> {
    const row = await this.db
      .selectFrom('lb_run')
      .selectAll()
      .where('retry_of', '=', id)
      .orderBy('attempt', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRun(row) : null;
  }

  /**
   * Moves a queued run to running for `worker` and appends `run.running`. Exactly one of
   * several concurrent claims wins; the others get `taken`, as do claims of a run that was
   * cancelled or already ran. A run with a concurrency key is claimed only while fewer than
   * its limit of runs of the key are running: the key's row is locked first, so claims of
   * one key are serialised across processes (on PostgreSQL a row lock, on SQLite the
   * write transaction) and the count they read is never stale.
   *
   * @example if ((await store.claim(run.id, 'host-a:4242')) === 'claimed') await work(run);
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async claim(id: string, worker: string): Promise<ClaimResult> {
    const taken = await this.take(id, worker);
    return typeof taken === 'string' ? taken : 'claimed';
  }

  /**
   * `claim`, answering the claimed run itself (so a worker needs no second read to start
   * it). A run without a concurrency key is claimed by one conditional UPDATE; a claim whose
   * commit was answered by a broken connection, when tried again, finds the run running for
   * the same worker and answers it again.
   *
   * @example const run = await store.take(id, 'host-a:4242'); if (typeof run !== 'string') await work(run);
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async take(id: string, worker: string): Promise<Run | 'busy' | 'taken'> {
    return this.db.transaction().execute(async (trx) => {
      const unkeyed = await this.#start(trx, id, worker, true);
      if (unkeyed) return unkeyed;
      const current = await this.#row(trx, id);
      if (current.status === 'running' && current.worker === worker) return toRun(current);
      if (current.status !== 'queued') return 'taken';
      const key = current.concurrency_key;
      if (key !== null) {
        await lockKey(trx, key);
        const { running } = await trx
          .selectFrom('lb_run')
          .select((eb) => eb.fn.countAll<number | string>().as('running'))
          .where('concurrency_key', '=', key)
          .where('status', '=', 'running')
          .executeTakeFirstOrThrow();
        if (Number(running) >= (current.concurrency_limit ?? 1)) {
          // Offered again when a run of the key ends; this later offer is the safety net.
          await this.dispatcher?.dispatch(trx, toRun(current), Date.now() + KEY_RECHECK_MS);
          return 'busy';
        }
      }
      return (await this.#start(trx, id, worker, false)) ?? 'taken';
    });
  }

  /** Queued → running for `worker` (only a run without a key when `unkeyedOnly`), with its event. */
  async #start(
    trx: Kysely<MetaSchema>,
    id: string,
    worker: string,
    unkeyedOnly: boolean,
  ): Promise<Run | undefined> {
    const now = Date.now();
    let update = trx
      .updateTable('lb_run')
      .set({ status: 'running', worker, started_at: now, heartbeat_at: now })
      .where('run_id', '=', id)
      .where('status', '=', 'queued');
    if (unkeyedOnly) update = update.where('concurrency_key', 'is', null);
    const row = await update.returningAll().executeTakeFirst();
    if (!row) return undefined;
    const run = toRun(row);
    await this.#announce(trx, run);
    return run;
  }

  /**
   * Queued runs of a concurrency key whose backoff has passed, oldest first: the ones to
   * offer again when a run of the key has ended.
   *
   * @example for (const run of await store.waiting('job:daily', 1)) dispatch(run.id);
   */
  async waiting(key: string, limit: number): Promise<Run[]> {
    const rows = await this.db
      .selectFrom('lb_run')
      .selectAll()
      .where('concurrency_key', '=', key)
      .where('status', '=', 'queued')
      .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', Date.now())]))
      .orderBy('created_at')
      .orderBy('run_id')
      .limit(limit)
      .execute();
    return rows.map(toRun);
  }

  /**
   * Notes that the worker of a running run is alive, and tells it whether someone asked to
   * cancel the run (or whether the run already ended elsewhere, so the work is moot).
   *
   * @example const { cancelRequested } = await store.heartbeat(run.id);
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async heartbeat(id: string): Promise<RunHeartbeat> {
    const row = await this.db
      .updateTable('lb_run')
      .set({ heartbeat_at: Date.now() })
      .where('run_id', '=', id)
      .where('status', '=', 'running')
      .returning(['cancel_requested'])
      .executeTakeFirst();
    if (row) return { status: 'running', cancelRequested: row.cancel_requested === 1 };
    const run = await this.get(id);
    return { status: run.status, cancelRequested: run.cancelRequested };
  }

  /**
   * Replaces the run's progress.
   *
   * @example await store.setProgress(run.id, { phase: 'copy', done: 10, total: 200, unit: 'files' });
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async setProgress(id: string, progress: RunProgress | null): Promise<void> {
    const result = await this.db
      .updateTable('lb_run')
      .set({ progress: progress === null ? null : JSON.stringify(progress) })
      .where('run_id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw runNotFound(id);
  }

  /**
   * Merges metrics into the run's: a name given again replaces its earlier value.
   *
   * @example await store.addMetrics(run.id, { rowsWritten: 1200, filesWritten: 3 });
   * @throws LakeError INVALID_ARGUMENT for a metric that is not a finite number.
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async addMetrics(id: string, metrics: Record<string, number>): Promise<void> {
    checkMetrics(metrics);
    await this.db
      .transaction()
      .execute((trx) =>
        this.#change(trx, id, (row) => ({ metrics: mergeMetrics(row.metrics, metrics) })),
      );
  }

  /**
   * Ends a queued or running run with a terminal status and appends `run.<status>` in the
   * same transaction. A run ends once: if it has already ended (cancelled while queued,
   * failed as lost by `recoverLost`), nothing changes and the stored run is returned, so
   * compare its status with the one asked for.
   *
   * @example await store.finish(run.id, 'failed', { error, retry: true });
   * @throws LakeError INVALID_ARGUMENT for a status that is not terminal.
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async finish(id: string, status: TerminalRunStatus, end: RunEnd = {}): Promise<Run> {
    if (!isRunStatus(status) || !isTerminalStatus(status)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Cannot finish run ${id} as "${String(status)}"; use succeeded, succeeded_with_errors, failed or cancelled.`,
      );
    }
    if (end.metrics) checkMetrics(end.metrics);
    const error = end.error === undefined ? null : JSON.stringify(runErrorOf(end.error));
    const metrics = end.metrics && Object.keys(end.metrics).length > 0 ? end.metrics : undefined;
    return this.db.transaction().execute(async (trx) => {
      // With no metrics to merge, one conditional UPDATE ends the run: nothing it writes
      // depends on the row as it was, so there is nothing to read first.
      const ended = metrics
        ? undefined
        : await trx
            .updateTable('lb_run')
            .set({ status, error, ended_at: Date.now() })
            .where('run_id', '=', id)
            .where('status', 'in', ['queued', 'running'])
            .returningAll()
            .executeTakeFirst();
      const { row, changed } = ended
        ? { row: ended, changed: true }
        : await this.#change(trx, id, (current) =>
            isTerminalStatus(current.status as RunStatus)
              ? undefined
              : {
                  status,
                  error,
                  ended_at: Date.now(),
                  metrics: metrics ? mergeMetrics(current.metrics, metrics) : current.metrics,
                },
          );
      const run = toRun(row);
      if (!changed) return run;
      await this.#release(trx, row);
      // The event goes last: appenders wait for each other from their append to their commit.
      await this.#announce(trx, run);
      if (status === 'failed' && end.retry && run.attempt < run.maxAttempts) {
        await this.#queueRetry(trx, row, end.retryDelayMs ?? 0);
      }
      return run;
    });
  }

  /**
   * Asks for a run to stop. A queued run is cancelled at once (and `run.cancelled`
   * appended); a running run is flagged, and its worker stops it at its next heartbeat.
   *
   * @example await store.requestCancel(run.id);
   * @throws LakeError RUN_NOT_CANCELLABLE when the run has already ended.
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async requestCancel(id: string): Promise<Run> {
    return this.db.transaction().execute(async (trx) => {
      const { row, changed } = await this.#change(trx, id, (current) => {
        if (current.status === 'queued') {
          return { status: 'cancelled', cancel_requested: 1, ended_at: Date.now() };
        }
        if (current.status === 'running') {
          return current.cancel_requested === 1 ? undefined : { cancel_requested: 1 };
        }
        throw new LakeError(
          'RUN_NOT_CANCELLABLE',
          `Run ${id} has already ended (${current.status}); only queued or running runs can be cancelled.`,
          { details: { runId: id, status: current.status } },
        );
      });
      const run = toRun(row);
      if (changed && run.status === 'cancelled') await this.#announce(trx, run);
      return run;
    });
  }

  /**
   * Appends a line to the run's log. Credentials in URLs and `password=` pairs are masked.
   *
   * @example await store.log(run.id, 'info', 'copied 200 files');
   * @throws LakeError INVALID_ARGUMENT for an unknown level.
   */
  async log(id: string, level: RunLogLevel, message: string): Promise<void> {
    if (!Object.hasOwn(LOG_LEVELS, level)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown log level "${String(level)}"; use debug, info, warn or error.`,
      );
    }
    const text = redactCredentials(String(message));
    await this.db
      .insertInto('lb_run_log')
      .values({
        run_id: id,
        ts: Date.now(),
        level,
        message:
          text.length > MAX_LOG_MESSAGE_LENGTH
            ? `${text.slice(0, MAX_LOG_MESSAGE_LENGTH)}… (truncated)`
            : text,
      })
      .execute();
  }

  /**
   * The run's log in the order it was written.
   *
   * @example for (const entry of await store.logs(run.id, { after: lastSeen })) print(entry);
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async logs(id: string, query: RunLogQuery = {}): Promise<RunLogEntry[]> {
    let select = this.db.selectFrom('lb_run_log').selectAll().where('run_id', '=', id);
    if (query.after !== undefined) select = select.where('log_id', '>', query.after);
    const rows = await select
      .orderBy('log_id', 'asc')
      .limit(query.limit ?? 1000)
      .execute();
    if (rows.length === 0) await this.#row(this.db, id);
    return rows.map(toLogEntry);
  }

  /**
   * Fails the running runs whose worker `isAlive` says is gone, with WORKER_LOST, and
   * queues a next attempt for those with attempts left (after `retryDelayMs`). A lost run
   * ends at its last heartbeat, so its duration is the time it really ran, not the time it
   * took to notice. Safe to call from many processes at once: each lost run is failed (and
   * retried) exactly once. Runs a dead process left queued (never started) are handed to
   * `stranded.adopter` when given (the host of the lake, `lakebox serve`, runs them), left
   * queued when `stranded.keepQueued` says a host may take them, and failed otherwise.
   *
   * @example const { failed } = await store.recoverLost(isLocalWorkerAlive);
   */
  async recoverLost(
    isAlive: (worker: string) => boolean | Promise<boolean>,
    retryDelayMs = 0,
    stranded: StrandedRuns = {},
  ): Promise<RecoveredRuns> {
    const { adopter, keepQueued } = stranded;
    const running = await this.db
      .selectFrom('lb_run')
      .select(['run_id', 'worker'])
      .where('status', 'in', ['running', 'queued'])
      // Runs queued for any worker have none: leaving them out keeps this check (every
      // heartbeat, on every worker) from reading the whole queue when it is long.
      .where('worker', 'is not', null)
      .execute();
    const verdicts = new Map<string, boolean>();
    const recovered: RecoveredRuns = { failed: [], retried: [], adopted: [] };
    for (const { run_id: id, worker } of running) {
      if (worker === null) continue;
      let alive = verdicts.get(worker);
      if (alive === undefined) verdicts.set(worker, (alive = await isAlive(worker)));
      if (alive) continue;
      if (adopter !== undefined) {
        const adopted = await this.#adopt(id, worker, adopter);
        if (adopted) {
          recovered.adopted.push(adopted);
          continue;
        }
      }
      if (keepQueued?.(worker) && (await this.get(id)).status === 'queued') continue;
      await this.db.transaction().execute(async (trx) => {
        const { row, changed } = await this.#change(trx, id, (current) =>
          (current.status === 'running' || current.status === 'queued') && current.worker === worker
            ? {
                status: 'failed',
                ended_at: current.heartbeat_at ?? current.started_at ?? Date.now(),
                error: JSON.stringify(lostError(current)),
              }
            : undefined,
        );
        if (!changed) return;
        const failed = toRun(row);
        await this.#announce(trx, failed);
        recovered.failed.push(failed);
        if (failed.attempt < failed.maxAttempts) {
          recovered.retried.push(await this.#queueRetry(trx, row, retryDelayMs));
        }
        await this.#release(trx, row);
      });
    }
    return recovered;
  }

  /** Hands a run still queued by dead `from` to `to`; undefined when it is not that. */
  async #adopt(id: string, from: string, to: string): Promise<Run | undefined> {
    // One conditional update: of two adopters racing, one wins.
    const row = await this.db
      .updateTable('lb_run')
      .set({ worker: to })
      .where('run_id', '=', id)
      .where('status', '=', 'queued')
      .where('worker', '=', from)
      .returningAll()
      .executeTakeFirst();
    return row && toRun(row);
  }

  /** The run made under an idempotency key, if any. */
  async #byKey(trx: Kysely<MetaSchema>, key: string): Promise<Run | undefined> {
    const row = await trx
      .selectFrom('lb_run')
      .selectAll()
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row && toRun(row);
  }

  async #insert(trx: Kysely<MetaSchema>, row: RunRow): Promise<Run> {
    if (row.idempotency_key !== null) {
      // A racing creator with the same key: its run is the one (PostgreSQL waits for it).
      const inserted = await trx
        .insertInto('lb_run')
        .values(row)
        .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
        .returning('run_id')
        .executeTakeFirst();
      if (!inserted) return (await this.#byKey(trx, row.idempotency_key))!;
    } else {
      await trx.insertInto('lb_run').values(row).execute();
    }
    const run = toRun(row);
    await this.dispatcher?.dispatch(trx, run, row.not_before ?? undefined);
    // Last: from its append to its commit, the next appender of an event waits for this one.
    await this.#announce(trx, run);
    return run;
  }

  /** A run of a concurrency key has stopped running: offer the key's oldest waiting run. */
  async #release(trx: Kysely<MetaSchema>, ended: RunRow): Promise<void> {
    if (!this.dispatcher || ended.concurrency_key === null) return;
    const next = await trx
      .selectFrom('lb_run')
      .selectAll()
      .where('concurrency_key', '=', ended.concurrency_key)
      .where('status', '=', 'queued')
      .orderBy('created_at')
      .orderBy('run_id')
      .limit(1)
      .executeTakeFirst();
    if (next) await this.dispatcher.dispatch(trx, toRun(next), next.not_before ?? undefined);
  }

  #queueRetry(trx: Kysely<MetaSchema>, failed: RunRow, delayMs: number): Promise<Run> {
    return this.#insert(
      trx,
      newRunRow({
        kind: failed.kind,
        name: failed.name ?? undefined,
        parameters: JSON.parse(failed.parameters) as Record<string, unknown>,
        maxAttempts: failed.max_attempts,
        attempt: failed.attempt + 1,
        retryOf: failed.run_id,
        concurrency:
          failed.concurrency_key === null
            ? undefined
            : { key: failed.concurrency_key, limit: failed.concurrency_limit ?? 1 },
        timeoutMs: failed.timeout_ms ?? undefined,
        notBefore: delayMs > 0 ? Date.now() + delayMs : undefined,
      }),
    );
  }

  #announce(trx: Kysely<MetaSchema>, run: Run): Promise<number> {
    return this.events.append(
      {
        type: `run.${run.status}`,
        subject: run.id,
        payload: {
          runId: run.id,
          kind: run.kind,
          name: run.name,
          status: run.status,
          attempt: run.attempt,
        },
      },
      trx,
    );
  }

  async #row(db: Kysely<MetaSchema>, id: string): Promise<RunRow> {
    const row = await db
      .selectFrom('lb_run')
      .selectAll()
      .where('run_id', '=', id)
      .executeTakeFirst();
    if (!row) throw runNotFound(id);
    return row;
  }

  /**
   * Reads a run, lets `decide` compute a change from it and writes the change only if the
   * run is as it was read; otherwise reads again. SQLite's immediate transactions never need
   * the second read, PostgreSQL's read-committed ones can.
   */
  async #change(
    trx: Kysely<MetaSchema>,
    id: string,
    decide: (row: RunRow) => Updateable<RunRow> | undefined,
  ): Promise<{ row: RunRow; changed: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.#row(trx, id);
      const change = decide(row);
      if (!change) return { row, changed: false };
      const updated = await trx
        .updateTable('lb_run')
        .set(change)
        .where('run_id', '=', id)
        .where('status', '=', row.status)
        .where('metrics', '=', row.metrics)
        .where('cancel_requested', '=', row.cancel_requested)
        .returningAll()
        .executeTakeFirst();
      if (updated) return { row: updated, changed: true };
      if (attempt >= MAX_CHANGE_ATTEMPTS) {
        throw new LakeError('INTERNAL', `Run ${id} kept changing while being updated; try again.`, {
          transient: true,
        });
      }
    }
  }
}

function newRunRow(spec: NewRun): RunRow {
  if (typeof spec.kind !== 'string' || !KIND_PATTERN.test(spec.kind)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Run kind "${String(spec.kind)}" is not valid; use a letter followed by letters, digits, "_", "." or "-".`,
    );
  }
  const attempt = spec.attempt ?? 1;
  const maxAttempts = spec.maxAttempts ?? 1;
  for (const [label, value] of [
    ['attempt', attempt],
    ['maxAttempts', maxAttempts],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 1000) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `${label} is ${String(value)}; it must be a whole number from 1 to 1000.`,
      );
    }
  }
  if (spec.concurrency) checkConcurrency(spec.concurrency);
  if (spec.timeoutMs !== undefined && !(Number.isInteger(spec.timeoutMs) && spec.timeoutMs > 0)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `timeoutMs is ${String(spec.timeoutMs)}; it must be a whole number of milliseconds above 0.`,
    );
  }
  const now = Date.now();
  return {
    run_id: newRunId(now),
    kind: spec.kind,
    name: spec.name ?? null,
    status: 'queued',
    attempt,
    max_attempts: maxAttempts,
    retry_of: spec.retryOf ?? null,
    parameters: parametersJson(spec.kind, spec.parameters ?? {}),
    metrics: '{}',
    progress: null,
    error: null,
    cancel_requested: 0,
    worker: spec.worker ?? null,
    created_at: now,
    started_at: null,
    ended_at: null,
    heartbeat_at: null,
    concurrency_key: spec.concurrency?.key ?? null,
    concurrency_limit: spec.concurrency?.limit ?? null,
    not_before: spec.notBefore ?? null,
    timeout_ms: spec.timeoutMs ?? null,
    idempotency_key: spec.idempotencyKey ?? null,
  };
}

function checkConcurrency({ key, limit }: RunConcurrency): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Concurrency key "${String(key)}" is not valid; use 1 to 200 characters, such as "job:daily_sales".`,
    );
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The concurrency limit of ${key} is ${String(limit)}; it must be a whole number from 1 to 10000.`,
    );
  }
}

/**
 * Locks the row of a concurrency key until the transaction ends, creating it if need be:
 * an UPDATE takes PostgreSQL's row lock (and SQLite's write lock is already held).
 */
async function lockKey(trx: Kysely<MetaSchema>, key: string): Promise<void> {
  await trx
    .insertInto('lb_run_key')
    .values({ key, claims: 0 })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  await trx
    .updateTable('lb_run_key')
    .set((eb) => ({ claims: eb('claims', '+', 1) }))
    .where('key', '=', key)
    .execute();
}

function parametersJson(kind: string, parameters: Record<string, unknown>): string {
  const problem = `Parameters of a ${kind} run must be a JSON object (plain values, no BigInt or cycles).`;
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new LakeError('INVALID_ARGUMENT', problem);
  }
  try {
    return JSON.stringify(parameters);
  } catch (cause) {
    throw new LakeError('INVALID_ARGUMENT', problem, { cause });
  }
}

function mergeMetrics(stored: string, metrics: Record<string, number>): string {
  return JSON.stringify({ ...(JSON.parse(stored) as Record<string, number>), ...metrics });
}

function lostError(row: RunRow): { code: string; message: string } {
  const next =
    row.attempt < row.max_attempts
      ? `It is retried as attempt ${row.attempt + 1} of ${row.max_attempts}.`
      : 'Submit it again to rerun it.';
  return {
    code: 'WORKER_LOST',
    message: `Run ${row.run_id} was lost: its worker ${row.worker ?? '(unknown)'} stopped while it was ${row.status}. ${next}`,
  };
}

function runNotFound(id: string): LakeError {
  const hint = id.startsWith('run_')
    ? 'Check the id; list recent runs to find it.'
    : 'Run ids start with "run_"; check that you passed a run id.';
  return new LakeError('RUN_NOT_FOUND', `No run with id "${id}". ${hint}`, {
    details: { runId: id },
  });
}

function toRun(row: RunRow): Run {
  return {
    id: row.run_id,
    kind: row.kind,
    name: row.name,
    status: row.status as RunStatus,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    retryOf: row.retry_of,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    metrics: JSON.parse(row.metrics) as Record<string, number>,
    progress: row.progress === null ? null : (JSON.parse(row.progress) as RunProgress),
    error: row.error === null ? null : (JSON.parse(row.error) as Run['error']),
    cancelRequested: row.cancel_requested === 1,
    worker: row.worker,
    concurrency:
      row.concurrency_key === null
        ? null
        : { key: row.concurrency_key, limit: row.concurrency_limit ?? 1 },
    timeoutMs: row.timeout_ms === null ? null : Number(row.timeout_ms),
    notBefore: toDate(row.not_before),
    createdAt: new Date(row.created_at),
    startedAt: toDate(row.started_at),
    endedAt: toDate(row.ended_at),
    heartbeatAt: toDate(row.heartbeat_at),
  };
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function toLogEntry(row: Selectable<RunLogRow>): RunLogEntry {
  return {
    id: row.log_id,
    ts: new Date(row.ts),
    level: row.level as RunLogLevel,
    message: row.message,
  };
}
