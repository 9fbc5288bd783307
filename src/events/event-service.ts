import type { Kysely } from 'kysely';
import type { MetaDialect } from '../meta/dialects/meta-dialect.js';
import type { MetaSchema } from '../meta/schema.js';
import { ConsumerCursors, type ConsumerCursor } from './consumer-cursors.js';
import { EVENT_TYPES, checkTypePattern, type EventType } from './event-catalogue.js';
import { EventConsumer, type EventConsumerOptions } from './event-consumer.js';
import type { EventLog, EventQuery, LakeEvent, ReadOptions } from './event-log.js';
import type { EventPosition } from './event-position.js';
import { pruneEvents, type PruneResult } from './event-retention.js';
import { EventTail, type EventTailOptions } from './event-tail.js';

/**
 * The lake's events for users and consumers (`lake.events`): browse the log, follow it live,
 * keep durable consumers, apply retention.
 */
export class EventService {
  readonly #cursors: ConsumerCursors;

  constructor(
    private readonly log: EventLog,
    private readonly db: Kysely<MetaSchema>,
    private readonly dialect: Pick<MetaDialect, 'notifications'>,
  ) {
    this.#cursors = new ConsumerCursors(db);
  }

  /** Every event type the lake appends, with what it means. */
  types(): Record<EventType, string> {
    return EVENT_TYPES;
  }

  /**
   * Events in id order, for browsing.
   *
   * @example await lake.events.list({ type: 'table.*', limit: 20, newestFirst: true });
   * @throws LakeError INVALID_ARGUMENT for a type pattern that matches no event type.
   */
  list(query: EventQuery = {}): Promise<LakeEvent[]> {
    if (query.type) checkTypePattern(query.type);
    return this.log.list(query);
  }

  /**
   * Events after `after` in delivery order, never past one that may still commit.
   *
   * @example const next = await lake.events.read(last.position);
   */
  read(after: EventPosition, options: ReadOptions = {}): Promise<LakeEvent[]> {
    if (options.type) checkTypePattern(options.type);
    return this.log.read(after, options);
  }

  /** The position from which "from now on" starts. */
  head(): Promise<EventPosition> {
    return this.log.head();
  }

  /** The position of event `id`, to resume after a known event; undefined when it is gone. */
  positionOf(id: number): Promise<EventPosition | undefined> {
    return this.log.positionOf(id);
  }

  /**
   * A durable consumer: its cursor is stored under `name` and survives restarts.
   *
   * @example
   * const consumer = lake.events.consumer('triggers', { startAt: 'beginning' });
   * const batch = await consumer.read();
   * await consumer.commit(batch.at(-1)!.position);
   */
  consumer(name: string, options: EventConsumerOptions = {}): EventConsumer {
    if (options.type) checkTypePattern(options.type);
    return new EventConsumer(name, this.log, this.#cursors, options);
  }

  /** @example for (const c of await lake.events.consumers()) console.log(c.name, c.position); */
  consumers(): Promise<ConsumerCursor[]> {
    return this.#cursors.list();
  }

  /** Forgets a durable consumer, so that retention no longer keeps events for it. */
  deleteConsumer(name: string): Promise<boolean> {
    return this.#cursors.delete(name);
  }

  /**
   * Follows the log live (LISTEN/NOTIFY on PostgreSQL, polling on SQLite); call `start`.
   *
   * @example const tail = lake.events.tail({ type: 'object.*' }); tail.on(console.log); tail.start();
   */
  tail(options: Omit<EventTailOptions, 'notifications'> = {}): EventTail {
    if (options.type) checkTypePattern(options.type);
    return new EventTail(this.log, { ...options, notifications: this.dialect.notifications });
  }

  /**
   * Deletes events older than `maxAgeDays`, keeping those a durable consumer has not passed.
   *
   * @example const { deleted, heldBy } = await lake.events.prune(30);
   */
  prune(maxAgeDays: number, now = new Date()): Promise<PruneResult> {
    const before = new Date(now.getTime() - maxAgeDays * 86_400_000);
    return pruneEvents(this.db, this.#cursors, before);
  }
}
