import { sql, type Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { ConsumerCursors } from './consumer-cursors.js';
import { comparePositions } from './event-position.js';

export interface PruneResult {
  /** Events deleted. */
  deleted: number;
  /** Consumers whose cursor kept events past the retention age, with how many they keep. */
  heldBy: { consumer: string; kept: number }[];
}

/** Rows per DELETE, so that one prune never holds a long lock on the log. */
const BATCH = 5000;

/**
 * Deletes events created before `before`, but never one a durable consumer has not yet
 * passed: an unread event is kept, however old, until its consumer moves on or is deleted,
 * and the consumers that hold events back are named so that the caller can say so.
 */
export async function pruneEvents(
  db: Kysely<MetaSchema>,
  cursors: ConsumerCursors,
  before: Date,
): Promise<PruneResult> {
  const consumers = await cursors.list();
  const slowest = consumers
    .map((c) => c.position)
    .sort(comparePositions)
    .at(0);
  let deleted = 0;
  for (;;) {
    let doomed = db
      .selectFrom('lb_event')
      .select('event_id')
      .where('created_at', '<', before.getTime())
      .limit(BATCH);
    if (slowest) {
      doomed = doomed.where(sql<boolean>`(tx_id, event_id) <= (${slowest.tx}, ${slowest.id})`);
    }
    const result = await db
      .deleteFrom('lb_event')
      .where('event_id', 'in', doomed)
      .executeTakeFirst();
    const count = Number(result.numDeletedRows);
    deleted += count;
    if (count < BATCH) break;
  }
  const heldBy: PruneResult['heldBy'] = [];
  for (const consumer of consumers) {
    const row = await db
      .selectFrom('lb_event')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('created_at', '<', before.getTime())
      .where(sql<boolean>`(tx_id, event_id) > (${consumer.position.tx}, ${consumer.position.id})`)
      .executeTakeFirstOrThrow();
    if (Number(row.n) > 0) heldBy.push({ consumer: consumer.name, kept: Number(row.n) });
  }
  return { deleted, heldBy };
}
