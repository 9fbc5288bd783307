import { sql, type Kysely, type Transaction } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { NewEvent } from './event-log.js';

/** Rows per INSERT: 4 parameters each stays far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_INSERT = 500;

/** An arbitrary constant: the transaction lock that makes event ids commit in id order. */
const EVENT_ORDER_LOCK = 7_311_042_013;

/**
 * Inserts `events` in `trx` with multi-row inserts; returns their ids in order.
 *
 * With `concurrentWriters` (PostgreSQL), the transaction first takes a lock that it holds
 * until it commits, so the next writer takes its ids only after this one's are visible: a
 * reader that has seen id N has seen every id below N that will ever commit, and a
 * consumer's cursor never passes an event that commits late. Writers wait only for the
 * few statements between their event insert and their commit (events are appended last).
 */
export async function insertEvents(
  trx: Transaction<MetaSchema>,
  events: readonly NewEvent[],
  concurrentWriters: boolean,
): Promise<number[]> {
  if (events.length === 0) return [];
  if (concurrentWriters) await sql`select pg_advisory_xact_lock(${EVENT_ORDER_LOCK})`.execute(trx);
  const now = Date.now();
  const ids: number[] = [];
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    const rows = await trx
      .insertInto('lb_event')
      .values(
        events.slice(start, start + ROWS_PER_INSERT).map((event) => ({
          type: event.type,
          subject: event.subject ?? null,
          payload: JSON.stringify(event.payload ?? {}),
          created_at: now,
        })),
      )
      .returning('event_id')
      .execute();
    ids.push(...rows.map((row) => row.event_id));
  }
  return ids;
}

/** Runs `work` in `db` when it is a transaction already, else in a new one. */
export function inTransaction<T>(
  db: Kysely<MetaSchema> | Transaction<MetaSchema>,
  work: (trx: Transaction<MetaSchema>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? work(db as Transaction<MetaSchema>) : db.transaction().execute(work);
}
