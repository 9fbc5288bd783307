import type { Kysely } from 'kysely';
import type { MetaSchema, RunRow } from '../meta/schema.js';
import type { Run } from './run.js';
import { readRunRow, toRun } from './run-row.js';
import type { RunTransitions } from './run-transitions.js';

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
 * Fails the running runs whose worker `isAlive` says is gone, with WORKER_LOST, and queues
 * next attempts (see `RunStore.recoverLost`, which documents the contract).
 */
export async function recoverLostRuns(
  db: Kysely<MetaSchema>,
  transitions: RunTransitions,
  isAlive: (worker: string) => boolean | Promise<boolean>,
  retryDelayMs: number,
  stranded: StrandedRuns,
): Promise<RecoveredRuns> {
  const { adopter, keepQueued } = stranded;
  const running = await db
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
      const adopted = await adopt(db, id, worker, adopter);
      if (adopted) {
        recovered.adopted.push(adopted);
        continue;
      }
    }
    if (keepQueued?.(worker) && (await readRunRow(db, id)).status === 'queued') continue;
    await db.transaction().execute(async (trx) => {
      const { row, changed } = await transitions.change(trx, id, (current) =>
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
      await transitions.announce(trx, failed);
      recovered.failed.push(failed);
      if (failed.attempt < failed.maxAttempts) {
        recovered.retried.push(await transitions.queueRetry(trx, row, retryDelayMs));
      }
      await transitions.release(trx, row);
    });
  }
  return recovered;
}

/** Hands a run still queued by dead `from` to `to`; undefined when it is not that. */
async function adopt(
  db: Kysely<MetaSchema>,
  id: string,
  from: string,
  to: string,
): Promise<Run | undefined> {
  // One conditional update: of two adopters racing, one wins.
  const row = await db
    .updateTable('lb_run')
    .set({ worker: to })
    .where('run_id', '=', id)
    .where('status', '=', 'queued')
    .where('worker', '=', from)
    .returningAll()
    .executeTakeFirst();
  return row && toRun(row);
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
