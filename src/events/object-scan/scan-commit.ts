import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { MetaSchema } from '../../meta/schema.js';
import type { ObjectInfo } from '../../storage/object-store.js';
import type { NewEvent } from '../event-catalogue.js';
import type { EventLog } from '../event-log.js';
import { recordObjectChanges } from '../object-state.js';
import type { KnownObject } from './object-diff.js';

/** What one page of a scan (or its list of vanished keys) changes. */
export interface ScanChanges {
  created: ObjectInfo[];
  changed: Array<[ObjectInfo, KnownObject]>;
  gone: Array<[string, KnownObject]>;
  /** Unchanged objects whose recorded state lacks what a listing tells (their etag). */
  refresh: ObjectInfo[];
}

const ROWS_PER_STATEMENT = 200;

/**
 * One transaction: claims each change with a statement that succeeds only while the state
 * is still as this scan saw it, then appends events for the claimed ones alone. A lake
 * write committed meanwhile, or another scanner, has then already recorded (and
 * announced) the change, and nothing is announced twice.
 */
export async function commitChanges(
  db: Kysely<MetaSchema>,
  log: EventLog,
  changes: ScanChanges,
): Promise<{ created: number; changed: number; removed: number }> {
  const { created, changed, gone, refresh } = changes;
  if (created.length + changed.length + gone.length + refresh.length === 0)
    return { created: 0, changed: 0, removed: 0 };
  const claimed = await db.transaction().execute(async (trx) => {
    const now = Date.now();
    const result = {
      created: [] as NewEvent[],
      changed: [] as NewEvent[],
      removed: [] as NewEvent[],
    };
    if (refresh.length > 0) await recordObjectChanges(trx, refresh.map(quietChangeOf));
    for (let i = 0; i < created.length; i += ROWS_PER_STATEMENT) {
      const batch = created.slice(i, i + ROWS_PER_STATEMENT);
      const rows = await trx
        .insertInto('lb_object_state')
        .values(batch.map((object) => ({ ...stateOf(object), seen_at: now })))
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('key')
        .execute();
      const keys = new Set(rows.map((row) => row.key));
      for (const object of batch)
        if (keys.has(object.key)) result.created.push(createdEvent(object));
    }
    for (const [object, previous] of changed) {
      const updated = await trx
        .updateTable('lb_object_state')
        .set({ ...stateOf(object), seen_at: now })
        .where((eb) => sameAs(eb, object.key, previous))
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) result.changed.push(createdEvent(object));
    }
    for (let i = 0; i < gone.length; i += ROWS_PER_STATEMENT) {
      const rows = await trx
        .deleteFrom('lb_object_state')
        .where((eb) =>
          eb.or(
            gone
              .slice(i, i + ROWS_PER_STATEMENT)
              .map(([key, previous]) => sameAs(eb, key, previous)),
          ),
        )
        .returning('key')
        .execute();
      for (const { key } of rows)
        result.removed.push({
          type: 'object.removed',
          subject: key,
          source: 'scan',
          payload: { key },
        });
    }
    // The claims recorded the state already; the events record the same once more.
    await log.appendMany([...result.created, ...result.changed, ...result.removed], trx);
    return result;
  });
  return {
    created: claimed.created.length,
    changed: claimed.changed.length,
    removed: claimed.removed.length,
  };
}

/** The state row of a listed object (its mtime included, which only a listing knows). */
export function stateOf(object: ObjectInfo) {
  return {
    key: object.key,
    size: object.size,
    etag: object.etag,
    mtime: object.lastModified.getTime(),
  };
}

/** A listed object as a change to record without an event (a baseline, a refresh). */
export function quietChangeOf(object: ObjectInfo) {
  return { type: 'object.created' as const, ...stateOf(object) };
}

function createdEvent(object: ObjectInfo): NewEvent {
  return {
    type: 'object.created',
    subject: object.key,
    // Found in storage, not written through the lake.
    source: 'scan',
    payload: { key: object.key, size: object.size, etag: object.etag },
  };
}

/** Holds while the row of `key` is still as `known` describes it. */
function sameAs(
  eb: ExpressionBuilder<MetaSchema, 'lb_object_state'>,
  key: string,
  known: KnownObject,
): Expression<SqlBool> {
  return eb.and([
    eb('key', '=', key),
    eb('size', '=', known.size),
    known.etag === null ? eb('etag', 'is', null) : eb('etag', '=', known.etag),
  ]);
}
