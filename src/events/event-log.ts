import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { MetaDialect } from '../meta/dialects/meta-dialect.js';
import type { EventRow, MetaSchema } from '../meta/schema.js';
import { inTransaction, insertEvents } from './append-events.js';

/**
 * One entry of the lake's event log. Ids are strictly increasing in commit order: once an
 * event is visible, no event with a smaller id commits later.
 */
export interface LakeEvent {
  id: number;
  type: string;
  subject: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface NewEvent {
  type: string;
  subject?: string;
  payload?: Record<string, unknown>;
}

export interface EventQuery {
  /** A type or a glob on types: `object.*`, `table.committed`, `*`. */
  type?: string;
  subject?: string;
  /** Only events after this id (for consumers that resume). */
  after?: number;
  limit?: number;
  /** Newest first instead of oldest first. */
  newestFirst?: boolean;
}

type Executor = Kysely<MetaSchema> | Transaction<MetaSchema>;

/**
 * The durable, append-only event log in the metadata database. Appends may join a caller's
 * transaction so that an event and the change it reports commit together.
 */
export class EventLog {
  readonly #concurrentWriters: boolean;

  /** `dialect` says whether writers run at once (then appends keep ids in commit order). */
  constructor(
    private readonly db: Kysely<MetaSchema>,
    dialect: Pick<MetaDialect, 'concurrentWriters'>,
  ) {
    this.#concurrentWriters = dialect.concurrentWriters;
  }

  /**
   * Appends one event, inside `trx` when given (append last in a transaction: on PostgreSQL
   * the next appender waits for it to commit); returns its id.
   */
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
  appendMany(events: readonly NewEvent[], trx: Executor = this.db): Promise<number[]> {
    return inTransaction(trx, (t) => insertEvents(t, events, this.#concurrentWriters));
  }

  /** Reads events in log order, filtered by type glob, subject and position. */
  async list(query: EventQuery = {}): Promise<LakeEvent[]> {
    let select = this.db.selectFrom('lb_event').selectAll();
    if (query.type && query.type !== '*') {
      select = query.type.includes('*')
        ? select.where(sql<boolean>`type like ${globToLike(query.type)} escape '\\'`)
        : select.where('type', '=', query.type);
    }
    if (query.subject !== undefined) select = select.where('subject', '=', query.subject);
    if (query.after !== undefined) select = select.where('event_id', '>', query.after);
    const rows = await select
      .orderBy('event_id', query.newestFirst ? 'desc' : 'asc')
      .limit(query.limit ?? 1000)
      .execute();
    return rows.map(toEvent);
  }
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
  };
}
