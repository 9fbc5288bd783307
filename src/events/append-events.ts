import type { Kysely, Transaction } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { NewEvent } from './event-log.js';

/** Rows per INSERT: 4 parameters each stays far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_INSERT = 500;

/**
 * Appends many events with multi-row inserts, inside `db` (pass a transaction so that the
 * events commit with the change they report). For writers that create thousands of objects
 * at once, where one transaction per event would cost more than the work itself.
 *
 * @example await db.transaction().execute((trx) => appendEvents(trx, created.map(toEvent)));
 */
export async function appendEvents(
  db: Kysely<MetaSchema> | Transaction<MetaSchema>,
  events: readonly NewEvent[],
): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    await db
      .insertInto('lb_event')
      .values(
        events.slice(start, start + ROWS_PER_INSERT).map((event) => ({
          type: event.type,
          subject: event.subject ?? null,
          payload: JSON.stringify(event.payload ?? {}),
          created_at: now,
        })),
      )
      .execute();
  }
}
