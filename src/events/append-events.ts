import type { Kysely, Transaction } from 'kysely';
import type { CommitNotifications } from '../meta/dialects/meta-dialect.js';
import type { MetaSchema } from '../meta/schema.js';
import { currentCause } from '../runs/run-cause.js';
import type { NewEvent } from './event-catalogue.js';
import { objectChangesOf, recordObjectChanges } from './object-state.js';

/** Rows per INSERT: 6 parameters each stays far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_INSERT = 500;

/** The channel a commit that appended events notifies (EventWakeup listens on it). */
export const EVENTS_CHANNEL = 'lakebox_events';

/**
 * Inserts `events` in `trx` with multi-row inserts; returns their ids in order. Each row
 * takes the transaction's id by its column default (PostgreSQL), which is what lets
 * readers stop short of transactions still in flight (EventLog.read), so writers never
 * wait for each other here. Object events also update the lake's object state, in the same
 * transaction (see recordObjectChanges). With `notifications`, the transaction also sends a NOTIFY that
 * is delivered when it commits: followers in other processes wake at once.
 */
export async function insertEvents(
  trx: Transaction<MetaSchema>,
  events: readonly NewEvent[],
  notifications: CommitNotifications | undefined,
): Promise<number[]> {
  if (events.length === 0) return [];
  const now = Date.now();
  const ids: number[] = [];
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    const rows = await trx
      .insertInto('lb_event')
      .values(
        events.slice(start, start + ROWS_PER_INSERT).map((event) => {
          const { source, chainDepth } = attributed(event);
          return {
            type: event.type,
            subject: event.subject ?? null,
            payload: JSON.stringify(event.payload),
            created_at: now,
            source,
            chain_depth: chainDepth,
          };
        }),
      )
      .returning('event_id')
      .execute();
    ids.push(...rows.map((row) => row.event_id));
  }
  await recordObjectChanges(trx, objectChangesOf(events));
  await notifications?.notify(trx as unknown as Kysely<never>, EVENTS_CHANNEL);
  return ids;
}

/** Runs `work` in `db` when it is a transaction already, else in a new one. */
export function inTransaction<T>(
  db: Kysely<MetaSchema> | Transaction<MetaSchema>,
  work: (trx: Transaction<MetaSchema>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? work(db as Transaction<MetaSchema>) : db.transaction().execute(work);
}

/**
 * `event` with its source and chain depth fixed: as given, else the run executing now.
 * Called where the append is asked for, since a batched append is written later, elsewhere.
 */
export function attributed(event: NewEvent): NewEvent & { source: string; chainDepth: number } {
  const cause = currentCause();
  return {
    ...event,
    source: event.source ?? cause?.source ?? 'lake',
    chainDepth: event.chainDepth ?? cause?.chainDepth ?? 0,
  };
}
