import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import { isLocalWorkerAlive } from './local-worker.js';

export interface WorkerInfo {
  /** `host:pid`, as recorded on the runs it claims. */
  id: string;
  kinds: readonly string[];
  concurrency: number;
  /** The host of the lake (`lakebox serve`): takes over runs dead processes left queued. */
  hosting?: boolean;
}

export interface WorkerRecord extends WorkerInfo {
  host: string;
  pid: number;
  startedAt: Date;
  heartbeatAt: Date;
}

/**
 * The processes that run runs (embedded executors and `lakebox worker`s), each alive while
 * its heartbeat is fresh. Liveness is the heartbeat, so a worker lost with its machine is
 * found from any other; on the worker's own host a vanished PID only lets us know sooner.
 */
export class WorkerRegistry {
  constructor(
    private readonly db: Kysely<MetaSchema>,
    /** A worker whose heartbeat is older than this is lost. */
    readonly lostAfterMs: number,
  ) {}

  async register(worker: WorkerInfo): Promise<void> {
    const separator = worker.id.lastIndexOf(':');
    const now = Date.now();
    const row = {
      worker_id: worker.id,
      host: worker.id.slice(0, separator),
      pid: Number.parseInt(worker.id.slice(separator + 1), 10),
      kinds: JSON.stringify(worker.kinds),
      concurrency: worker.concurrency,
      started_at: now,
      heartbeat_at: now,
      hosting: worker.hosting ? 1 : 0,
    };
    await this.db
      .insertInto('lb_worker')
      .values(row)
      .onConflict((oc) =>
        oc.column('worker_id').doUpdateSet({
          kinds: row.kinds,
          concurrency: row.concurrency,
          started_at: now,
          heartbeat_at: now,
          hosting: row.hosting,
        }),
      )
      .execute();
  }

  /** Notes that the worker is alive; registers it again if its row went missing. */
  async beat(worker: WorkerInfo): Promise<void> {
    const result = await this.db
      .updateTable('lb_worker')
      .set({ heartbeat_at: Date.now() })
      .where('worker_id', '=', worker.id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) await this.register(worker);
  }

  /** On a graceful stop, once the worker's runs have ended or been handed back. */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('lb_worker').where('worker_id', '=', id).execute();
  }

  /** The workers whose heartbeat is fresh. */
  async list(): Promise<WorkerRecord[]> {
    const rows = await this.db
      .selectFrom('lb_worker')
      .selectAll()
      .where('heartbeat_at', '>=', Date.now() - this.lostAfterMs)
      .orderBy('started_at')
      .execute();
    return rows.map((row) => ({
      id: row.worker_id,
      host: row.host,
      pid: row.pid,
      kinds: JSON.parse(row.kinds) as string[],
      concurrency: row.concurrency,
      startedAt: new Date(Number(row.started_at)),
      heartbeatAt: new Date(Number(row.heartbeat_at)),
    }));
  }

  /**
   * Whether a run that dead `worker` left queued should stay queued for a host to take over:
   * while a host is alive, or until the worker has been silent for `lostAfterMs` (a host
   * restarting after a crash, such as a SIGKILLed serve, finds its runs still queued).
   */
  async strandedPolicy(): Promise<(worker: string) => boolean> {
    const now = Date.now();
    const rows = await this.db
      .selectFrom('lb_worker')
      .select(['worker_id', 'heartbeat_at', 'hosting'])
      .execute();
    const hostAlive = rows.some(
      (row) =>
        row.hosting === 1 &&
        row.heartbeat_at >= now - this.lostAfterMs &&
        isLocalWorkerAlive(row.worker_id),
    );
    const lastBeat = new Map(rows.map((row) => [row.worker_id, row.heartbeat_at]));
    return (worker) => hostAlive || (lastBeat.get(worker) ?? 0) >= now - this.lostAfterMs;
  }

  /** A verdict on every worker as of now, for `RunStore.recoverLost`. */
  async liveness(): Promise<(worker: string) => boolean> {
    const alive = new Set((await this.list()).map((worker) => worker.id));
    return (worker) => alive.has(worker) && isLocalWorkerAlive(worker);
  }
}
