import type { Kysely, Transaction } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import { checkConsumerName, type ConsumerCursors } from './consumer-cursors.js';
import type { EventLog, LakeEvent } from './event-log.js';
import type { EventPosition } from './event-position.js';

export interface EventConsumerOptions {
  /** Only events of this type or glob; others are passed over (the cursor still moves). */
  type?: string;
  /** Where a consumer with no stored cursor begins: the first event, or now. `end`. */
  startAt?: 'beginning' | 'end';
}

/**
 * A named, durable reader of the event log: `read` returns the events after its stored
 * cursor (up to the safe point, so none is skipped that commits late), and `commit` stores
 * how far it got. A consumer that crashes between the two reads the batch again: delivery
 * is at least once, and handlers make their effects idempotent (a run's idempotency key).
 *
 * @example
 * const consumer = lake.events.consumer('triggers');
 * for (const event of await consumer.read()) await deliver(event);
 * await consumer.commit(batch.at(-1)!.position);
 */
export class EventConsumer {
  #position: EventPosition | undefined;

  constructor(
    readonly name: string,
    private readonly log: EventLog,
    private readonly cursors: ConsumerCursors,
    private readonly options: EventConsumerOptions = {},
  ) {
    checkConsumerName(name);
  }

  /** The stored cursor (created on first use per `startAt`). */
  async position(): Promise<EventPosition> {
    this.#position ??= await this.cursors.open(this.name, () =>
      this.options.startAt === 'beginning' ? Promise.resolve({ tx: 0, id: 0 }) : this.log.head(),
    );
    return this.#position;
  }

  /** The next events after the cursor, oldest first (at most `limit`, 500). */
  async read(limit = 500): Promise<LakeEvent[]> {
    return this.log.read(await this.position(), { type: this.options.type, limit });
  }

  /**
   * Stores `to` as the cursor, inside `trx` when given (commit the cursor with the work).
   * Never moves it back. The next `read` reloads the cursor (the transaction may roll back).
   */
  async commit(
    to: EventPosition,
    trx?: Kysely<MetaSchema> | Transaction<MetaSchema>,
  ): Promise<void> {
    await this.position();
    await this.cursors.advance(this.name, to, trx);
    this.#position = undefined;
  }
}
