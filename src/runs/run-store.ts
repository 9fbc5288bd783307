import type { Kysely } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { EventLog } from '../events/event-log.js';
import type { MetaSchema } from '../meta/schema.js';
import { lockKey } from './concurrency-key-lock.js';
import { recoverLostRuns, type RecoveredRuns, type StrandedRuns } from './lost-run-recovery.js';
import { newRunRow, type NewRun } from './new-run.js';
import {
  isRunStatus,
  isTerminalStatus,
  type Run,
  type RunLogEntry,
  type RunLogLevel,
  type RunProgress,
  type RunStatus,
  type TerminalRunStatus,
} from './run.js';
import type { RunDispatch } from './run-dispatch.js';
import { runErrorOf } from './run-error.js';
import { RunClaims } from './run-claims.js';
import { RunLogStore, type RunLogQuery } from './run-log-store.js';
import { checkMetrics } from './run-metrics.js';
import { mergeMetrics, readRunRow, runNotFound, toRun } from './run-row.js';
import { RunTransitions } from './run-transitions.js';

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

/**
 * Runs and their logs in the metadata database. Every status change is a conditional update
 * (so that two workers, or a worker and a canceller, never both win) and appends its
 * `run.<status>` event in the same transaction. Works unchanged on SQLite and PostgreSQL.
 */
export class RunStore {
  readonly #transitions: RunTransitions;
  readonly #logs: RunLogStore;
  readonly #claims: RunClaims;

  constructor(
    private readonly db: Kysely<MetaSchema>,
    events: EventLog,
    dispatcher?: RunDispatch,
  ) {
    this.#transitions = new RunTransitions(events, dispatcher);
    this.#logs = new RunLogStore(db);
    this.#claims = new RunClaims(db, this.#transitions, dispatcher);
  }

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
        const made = await this.#transitions.byKey(trx, row.idempotency_key);
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
      return this.#transitions.insert(trx, row);
    });
  }

  /**
   * @example const run = await store.get('run_0mb2k3x9z...');
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async get(id: string): Promise<Run> {
    return toRun(await readRunRow(this.db, id));
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
  take(id: string, worker: string): Promise<Run | 'busy' | 'taken'> {
    return this.#claims.take(id, worker);
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
    await this.db.transaction().execute((trx) =>
      this.#transitions.change(trx, id, (row) => ({
        metrics: mergeMetrics(row.metrics, metrics),
      })),
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
        : await this.#transitions.change(trx, id, (current) =>
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
      await this.#transitions.release(trx, row);
      // The event goes last: appenders wait for each other from their append to their commit.
      await this.#transitions.announce(trx, run);
      if (status === 'failed' && end.retry && run.attempt < run.maxAttempts) {
        await this.#transitions.queueRetry(trx, row, end.retryDelayMs ?? 0);
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
      const { row, changed } = await this.#transitions.change(trx, id, (current) => {
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
      if (changed && run.status === 'cancelled') await this.#transitions.announce(trx, run);
      return run;
    });
  }

  /**
   * Appends a line to the run's log. Credentials in URLs and `password=` pairs are masked.
   *
   * @example await store.log(run.id, 'info', 'copied 200 files');
   * @throws LakeError INVALID_ARGUMENT for an unknown level.
   */
  log(id: string, level: RunLogLevel, message: string): Promise<void> {
    return this.#logs.log(id, level, message);
  }

  /**
   * The run's log in the order it was written.
   *
   * @example for (const entry of await store.logs(run.id, { after: lastSeen })) print(entry);
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  logs(id: string, query: RunLogQuery = {}): Promise<RunLogEntry[]> {
    return this.#logs.logs(id, query);
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
    return recoverLostRuns(this.db, this.#transitions, isAlive, retryDelayMs, stranded);
  }
}
