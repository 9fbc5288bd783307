import {
  sql,
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  type Transaction,
} from 'kysely';
import type { CommitNotifications, MetaDialect } from '../meta/dialects/meta-dialect.js';
import type { EventRow, MetaSchema } from '../meta/schema.js';
import { inTransaction, insertEvents } from './append-events.js';
import type { EventPayloads, EventType, NewEvent } from './event-catalogue.js';
import { START, type EventPosition } from './event-position.js';

/**
 * One entry of the lake's event log. Its payload is read back as stored (a row written by
 * an older Lakebox may differ); `isEvent` narrows it to the catalogue's shape for its type.
 */
export interface LakeEvent {
  id: number;
  type: string;
  subject: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
  /** What appended it: `run:<id>` (inside a run), `lake` (the API), `scan` (found in storage). */
  source: string;
  /** Trigger deliveries that led to it: 0 unless a triggered run caused it. */
  chainDepth: number;
  /** Where the event sits in delivery order (resume after it). */
  position: EventPosition;
}

/** A LakeEvent of a known type, payload typed by the catalogue. */
export type TypedEvent<T extends EventType> = Omit<LakeEvent, 'type' | 'payload'> & {
  type: T;
  payload: EventPayloads[T] & Record<string, unknown>;
};

/** @example if (isEvent(event, 'table.committed')) console.log(event.payload.snapshotId); */
export function isEvent<T extends EventType>(event: LakeEvent, type: T): event is TypedEvent<T> {
  return event.type === type;
}

export type { NewEvent } from './event-catalogue.js';

export interface EventQuery {
  /** A type or a glob on types: `object.*`, `table.committed`, `*`. */
  type?: string;
  subject?: string;
  /** Only events with a greater id (browsing; consumers read after a position instead). */
  after?: number;
  limit?: number;
  /** Newest first instead of oldest first. */
  newestFirst?: boolean;
}

export interface ReadOptions {
  type?: string;
  limit?: number;
}

type Executor = Kysely<MetaSchema> | Transaction<MetaSchema>;

/**
 * The durable, append-only event log in the metadata database. Appends may join a caller's
 * transaction so that an event and the change it reports commit together. Consumers read in
 * delivery order with `read`, which never hands out a position that an event still in flight
 * could come before.
 */
export class EventLog {
  readonly #safePoint: boolean;
  readonly #notifications: CommitNotifications | undefined;
  readonly #appended = new Set<() => void>();

  /** With `concurrentWriters` (PostgreSQL) reads stop at the oldest transaction in flight. */
  constructor(
    private readonly db: Kysely<MetaSchema>,
    dialect: Pick<MetaDialect, 'concurrentWriters' | 'notifications'>,
  ) {
    this.#safePoint = dialect.concurrentWriters;
    this.#notifications = dialect.notifications;
  }

  /** Appends one event, inside `trx` when given; returns its id. */
  async append(event: NewEvent, trx: Executor = this.db): Promise<number> {
    const [id] = await this.appendMany([event], trx);
    return id!;
  }

  /**
   * Appends many events with multi-row inserts, inside `trx` when given, for writers that
   * create thousands of objects at once; returns their ids.
   *
   * @example await db.transaction().execute((trx) => events.appendMany(created.map(toEvent), trx));
   */
  async appendMany(events: readonly NewEvent[], trx: Executor = this.db): Promise<number[]> {
    const ids = await inTransaction(trx, (t) => insertEvents(t, events, this.#notifications));
    // Committed here unless the caller's transaction holds them: followers in this process
    // may read at once (others hear of it by NOTIFY, or their next poll).
    if (!trx.isTransaction) for (const listener of this.#appended) listener();
    return ids;
  }

  /** Calls `listener` after each commit of events appended in this process outside a caller's transaction. */
  onAppended(listener: () => void): () => void {
    this.#appended.add(listener);
    return () => this.#appended.delete(listener);
  }

  /** Reads events in id order, filtered by type glob, subject and id: for people browsing. */
  async list(query: EventQuery = {}): Promise<LakeEvent[]> {
    let select = withType(this.db.selectFrom('lb_event').selectAll(), query.type);
    if (query.subject !== undefined) select = select.where('subject', '=', query.subject);
    if (query.after !== undefined) select = select.where('event_id', '>', query.after);
    const rows = await select
      .orderBy('event_id', query.newestFirst ? 'desc' : 'asc')
      .limit(query.limit ?? 1000)
      .execute();
    return rows.map(toEvent);
  }

  /**
   * The events after `after` in delivery order, up to the safe point: on PostgreSQL only
   * events of transactions older than the oldest one still running (`pg_snapshot_xmin` of
   * the statement's own snapshot), which have all committed or rolled back; an event still
   * in flight has a transaction id at or above that point, so it sorts after everything
   * returned. Resuming after the last position returned never skips an event.
   *
   * @example const batch = await lake.events.read(cursor, { type: 'object.*' });
   */
  async read(after: EventPosition, options: ReadOptions = {}): Promise<LakeEvent[]> {
    const rows = await withType(this.#settled(), options.type)
      .where(sql<boolean>`(tx_id, event_id) > (${after.tx}, ${after.id})`)
      .orderBy('tx_id')
      .orderBy('event_id')
      .limit(options.limit ?? 500)
      .execute();
    return rows.map(toEvent);
  }

  /** The position of the last event `read` can hand out now: where "from now on" starts. */
  async head(): Promise<EventPosition> {
    const row = await this.#settled()
      .orderBy('tx_id', 'desc')
      .orderBy('event_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { tx: row.tx_id, id: row.event_id } : START;
  }

  /** The position of event `id`, or undefined when there is no such event. */
  async positionOf(id: number): Promise<EventPosition | undefined> {
    const row = await this.db
      .selectFrom('lb_event')
      .select(['tx_id', 'event_id'])
      .where('event_id', '=', id)
      .executeTakeFirst();
    return row && { tx: row.tx_id, id: row.event_id };
  }

  #settled(): EventSelect {
    const select = this.db.selectFrom('lb_event').selectAll();
    return this.#safePoint
      ? select.where(sql<boolean>`tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`)
      : select;
  }
}

type EventSelect = SelectQueryBuilder<MetaSchema, 'lb_event', Selectable<EventRow>>;

function withType(select: EventSelect, type: string | undefined): EventSelect {
  if (!type || type === '*') return select;
  return type.includes('*')
    ? select.where(sql<boolean>`type like ${globToLike(type)} escape '\\'`)
    : select.where('type', '=', type);
}

/** `object.*` → `object.%`; LIKE's own wildcards in a type are taken literally. */
function globToLike(glob: string): string {
  return glob.replace(/[%_\\]/g, '\\$&').replace(/\*/g, '%');
}

function toEvent(row: Selectable<EventRow>): LakeEvent {
  return {
    id: row.event_id,
    type: row.type,
    subject: row.subject,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: new Date(row.created_at),
    source: row.source ?? 'lake',
    chainDepth: Number(row.chain_depth),
    position: { tx: row.tx_id, id: row.event_id },
  };
}
