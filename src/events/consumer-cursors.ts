import { sql, type Kysely, type Transaction } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import type { EventPosition } from './event-position.js';

/** A durable consumer's cursor, as `lakebox events consumers` shows it. */
export interface ConsumerCursor {
  name: string;
  position: EventPosition;
  createdAt: Date;
  updatedAt: Date;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,199}$/;

/**
 * The stored cursors of named consumers (`lb_event_consumer`). A cursor only moves forward:
 * a commit behind the stored position (a consumer restarted from an older batch) is a no-op.
 */
export class ConsumerCursors {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  /** The cursor of `name`, created at `initial` when it has none (two creators agree). */
  async open(name: string, initial: () => Promise<EventPosition>): Promise<EventPosition> {
    checkConsumerName(name);
    const found = await this.get(name);
    if (found) return found.position;
    const start = await initial();
    const now = Date.now();
    await this.db
      .insertInto('lb_event_consumer')
      .values({ name, tx_id: start.tx, event_id: start.id, created_at: now, updated_at: now })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    return (await this.get(name))!.position;
  }

  async get(name: string): Promise<ConsumerCursor | undefined> {
    const row = await this.db
      .selectFrom('lb_event_consumer')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toCursor(row);
  }

  /**
   * Moves `name` forward to `to`, inside `trx` when given, so that a consumer can commit its
   * cursor with the work an event caused (at-most-once effects, exactly-once bookkeeping).
   */
  async advance(
    name: string,
    to: EventPosition,
    trx: Kysely<MetaSchema> | Transaction<MetaSchema> = this.db,
  ): Promise<void> {
    await trx
      .updateTable('lb_event_consumer')
      .set({ tx_id: to.tx, event_id: to.id, updated_at: Date.now() })
      .where('name', '=', name)
      .where(sql<boolean>`(tx_id, event_id) < (${to.tx}, ${to.id})`)
      .execute();
  }

  async list(): Promise<ConsumerCursor[]> {
    const rows = await this.db
      .selectFrom('lb_event_consumer')
      .selectAll()
      .orderBy('name')
      .execute();
    return rows.map(toCursor);
  }

  /** Forgets a consumer: retention no longer keeps events for it. */
  async delete(name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('lb_event_consumer')
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

/** @throws LakeError INVALID_ARGUMENT for a name that is not a consumer's. */
export function checkConsumerName(name: string): void {
  if (!NAME.test(name)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Consumer name "${name.slice(0, 100)}" is not valid; use a letter followed by up to 199 letters, digits, "_", ".", ":" or "-" (such as triggers:dispatch).`,
    );
  }
}

function toCursor(row: {
  name: string;
  tx_id: number;
  event_id: number;
  created_at: number;
  updated_at: number;
}): ConsumerCursor {
  return {
    name: row.name,
    position: { tx: row.tx_id, id: row.event_id },
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
