import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import { lockKey } from './concurrency-key-lock.js';
import type { Run } from './run.js';
import type { RunDispatch } from './run-dispatch.js';
import { readRunRow, toRun } from './run-row.js';
import type { RunTransitions } from './run-transitions.js';

/** How long a run that found its concurrency key full waits before it is offered again. */
const KEY_RECHECK_MS = 1000;

/**
 * Claiming a queued run for a worker, under its concurrency key's limit: the one place where
 * a run becomes `running` (see `RunStore.claim`, which documents the contract).
 */
export class RunClaims {
  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly transitions: RunTransitions,
    private readonly dispatcher?: RunDispatch,
  ) {}

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
      const current = await readRunRow(trx, id);
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
    await this.transitions.announce(trx, run);
    return run;
  }
}
