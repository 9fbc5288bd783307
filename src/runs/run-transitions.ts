import type { Kysely, Updateable } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { KindRunChange, RunEventKind } from '../events/event-catalogue.js';
import type { EventLog, NewEvent } from '../events/event-log.js';
import type { MetaSchema, RunRow } from '../meta/schema.js';
import { newRunRow } from './new-run.js';
import type { Run, RunStatus } from './run.js';
import type { RunDispatch } from './run-dispatch.js';
import { readRunRow, toRun } from './run-row.js';

const MAX_CHANGE_ATTEMPTS = 20;

/**
 * The steps every change of a run is made of, inside the caller's transaction: insert a run
 * (dispatched and announced), change one conditionally, release its concurrency key, queue
 * its retry, append its `run.<status>` event. `RunStore` and lost-run recovery share them.
 */
export class RunTransitions {
  constructor(
    private readonly events: EventLog,
    private readonly dispatcher?: RunDispatch,
  ) {}

  /** The run made under an idempotency key, if any. */
  async byKey(trx: Kysely<MetaSchema>, key: string): Promise<Run | undefined> {
    const row = await trx
      .selectFrom('lb_run')
      .selectAll()
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row && toRun(row);
  }

  /** Inserts a new run (or, under a taken idempotency key, answers the run made first). */
  async insert(trx: Kysely<MetaSchema>, row: RunRow): Promise<Run> {
    if (row.idempotency_key !== null) {
      // A racing creator with the same key: its run is the one (PostgreSQL waits for it).
      const inserted = await trx
        .insertInto('lb_run')
        .values(row)
        .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
        .returning('run_id')
        .executeTakeFirst();
      if (!inserted) return (await this.byKey(trx, row.idempotency_key))!;
    } else {
      await trx.insertInto('lb_run').values(row).execute();
    }
    const run = toRun(row);
    await this.dispatcher?.dispatch(trx, run, row.not_before ?? undefined);
    // Last: from its append to its commit, the next appender of an event waits for this one.
    await this.announce(trx, run);
    return run;
  }

  /** A run of a concurrency key has stopped running: offer the key's oldest waiting run. */
  async release(trx: Kysely<MetaSchema>, ended: RunRow): Promise<void> {
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

  /** Queues the next attempt of a failed run, `delayMs` from now. */
  queueRetry(trx: Kysely<MetaSchema>, failed: RunRow, delayMs: number): Promise<Run> {
    return this.insert(
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
        chainDepth: failed.chain_depth,
        notBefore: delayMs > 0 ? Date.now() + delayMs : undefined,
      }),
    );
  }

  /**
   * Appends the run's `run.<status>` event in `trx`, and for the kinds that have their own
   * (`job.started`, `sync.failed`, ...) that one too.
   */
  async announce(trx: Kysely<MetaSchema>, run: Run): Promise<number> {
    const about = {
      subject: run.id,
      source: `run:${run.id}`,
      chainDepth: run.chainDepth,
    };
    const payload = {
      runId: run.id,
      kind: run.kind,
      name: run.name,
      status: run.status,
      attempt: run.attempt,
    };
    const events: NewEvent[] = [{ type: `run.${run.status}`, ...about, payload }];
    const change = KIND_RUN_CHANGE[run.status];
    if (isRunEventKind(run.kind) && change) {
      events.push({
        type: `${run.kind}.${change}`,
        ...about,
        payload: { ...payload, metrics: run.metrics },
      });
    }
    const [id] = await this.events.appendMany(events, trx);
    return id!;
  }

  /**
   * Reads a run, lets `decide` compute a change from it and writes the change only if the
   * run is as it was read; otherwise reads again. SQLite's immediate transactions never need
   * the second read, PostgreSQL's read-committed ones can.
   */
  async change(
    trx: Kysely<MetaSchema>,
    id: string,
    decide: (row: RunRow) => Updateable<RunRow> | undefined,
  ): Promise<{ row: RunRow; changed: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const row = await readRunRow(trx, id);
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

/** The change a status is for a kind's own run events; none for a queued run. */
const KIND_RUN_CHANGE: Record<RunStatus, KindRunChange | undefined> = {
  queued: undefined,
  running: 'started',
  succeeded: 'succeeded',
  succeeded_with_errors: 'succeeded_with_errors',
  failed: 'failed',
  cancelled: 'cancelled',
};

const RUN_EVENT_KINDS: Record<RunEventKind, true> = { sync: true, migration: true, job: true };

function isRunEventKind(kind: string): kind is RunEventKind {
  return kind in RUN_EVENT_KINDS;
}
