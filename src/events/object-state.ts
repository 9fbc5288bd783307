import { sql, type Transaction } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { NewEvent } from './event-catalogue.js';

/** An object that arrived in or left a zone, as the lake's object state records it. */
export interface ObjectChange {
  type: 'object.created' | 'object.removed';
  key: string;
  size?: number;
  etag?: string;
  /** Epoch ms, when the writer knows it (a scan does; a put does not). */
  mtime?: number;
}

const ROWS_PER_STATEMENT = 400;

/** The object changes that `events` announce, for recording in the same transaction. */
export function objectChangesOf(events: readonly NewEvent[]): ObjectChange[] {
  const changes: ObjectChange[] = [];
  for (const event of events) {
    if (event.type === 'object.created') changes.push({ type: event.type, ...event.payload });
    else if (event.type === 'object.removed') changes.push({ type: event.type, ...event.payload });
  }
  return changes;
}

/**
 * Records `changes` in `lb_object_state` inside `trx`. Every append of object events comes
 * through here (see insertEvents), so the state always says what the log has announced, and
 * a scan never announces again what the lake itself wrote or deleted.
 */
export async function recordObjectChanges(
  trx: Transaction<MetaSchema>,
  changes: readonly ObjectChange[],
): Promise<void> {
  if (changes.length === 0) return;
  // The last change of a key wins; one INSERT may not touch a row twice on PostgreSQL.
  const last = [...new Map(changes.map((change) => [change.key, change])).values()];
  const now = Date.now();
  const created = last
    .filter((change) => change.type === 'object.created')
    .map((change) => ({
      key: change.key,
      size: change.size ?? 0,
      etag: change.etag ?? null,
      mtime: change.mtime ?? null,
      seen_at: now,
    }));
  const removed = last.filter((change) => change.type === 'object.removed').map((c) => c.key);
  for (let i = 0; i < created.length; i += ROWS_PER_STATEMENT) {
    await trx
      .insertInto('lb_object_state')
      .values(created.slice(i, i + ROWS_PER_STATEMENT))
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          size: eb.ref('excluded.size'),
          etag: eb.ref('excluded.etag'),
          // An event names no mtime: keep the one a scan recorded while the object is the same.
          mtime: sql<number | null>`case when excluded.mtime is null
            and excluded.size = lb_object_state.size and excluded.etag = lb_object_state.etag
            then lb_object_state.mtime else excluded.mtime end`,
          seen_at: eb.ref('excluded.seen_at'),
        })),
      )
      .execute();
  }
  for (let i = 0; i < removed.length; i += ROWS_PER_STATEMENT) {
    await trx
      .deleteFrom('lb_object_state')
      .where('key', 'in', removed.slice(i, i + ROWS_PER_STATEMENT))
      .execute();
  }
}
