import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';

/** Leadership while it lasts: `lost` aborts when the lock is gone (its connection died). */
export interface Leadership {
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface LeaderLockOptions {
  /** How often a follower tries to take the lock, and the leader checks its connection. */
  retryMs?: number;
}

/**
 * One leader among the processes of a lake: on PostgreSQL a session advisory lock, held on
 * one connection of the pool for as long as the process leads. A leader that dies (SIGKILL,
 * a lost machine) loses its session, PostgreSQL releases the lock, and a follower's next try
 * takes it. Where writers take turns (SQLite, one process), every caller leads at once.
 */
export class LeaderLock {
  readonly #retryMs: number;

  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly concurrentWriters: boolean,
    private readonly key: number,
    options: LeaderLockOptions = {},
  ) {
    this.#retryMs = options.retryMs ?? 500;
  }

  /** Resolves once this process leads; rejects with the signal's reason when stopped first. */
  acquire(signal: AbortSignal): Promise<Leadership> {
    if (!this.concurrentWriters) {
      const lost = new AbortController();
      return Promise.resolve({ lost: lost.signal, release: async () => lost.abort() });
    }
    return new Promise<Leadership>((resolve, reject) => {
      const released = new AbortController();
      const lost = new AbortController();
      let leading = false;
      const held = this.db
        .connection()
        .execute(async (connection) => {
          for (;;) {
            signal.throwIfAborted();
            const { rows } = await sql<{ locked: boolean }>`
              select pg_try_advisory_lock(${this.key}) as locked`.execute(connection);
            if (rows[0]?.locked) break;
            await sleep(this.#retryMs, undefined, { signal });
          }
          leading = true;
          resolve({
            lost: lost.signal,
            release: async () => {
              released.abort();
              await held;
            },
          });
          try {
            // The leader's connection is its lock: check it, so a lost one is noticed.
            while (!released.signal.aborted) {
              await sleep(this.#retryMs, undefined, { signal: released.signal }).catch(() => {});
              if (!released.signal.aborted) await sql`select 1`.execute(connection);
            }
          } finally {
            await sql`select pg_advisory_unlock(${this.key})`.execute(connection).catch(() => {});
          }
        })
        .catch((error: unknown) => {
          if (leading) lost.abort(error);
          else reject(signal.aborted ? signal.reason : error);
        });
    });
  }
}
