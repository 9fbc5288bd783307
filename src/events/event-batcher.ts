import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import { attributed } from './append-events.js';
import type { EventLog, NewEvent } from './event-log.js';
import { recordObjectChanges, type ObjectChange } from './object-state.js';

interface Pending {
  /** An event to append, or an object change to record without announcing it. */
  item: { event: NewEvent } | { quiet: ObjectChange };
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent appends into one multi-row insert: while a flush is writing, new
 * events queue up and the next flush takes them all. A writer that moves a hundred files at
 * once then pays a few transactions, not a hundred. Each `append` resolves once its event is
 * committed; order is kept.
 */
export class EventBatcher {
  #queue: Pending[] = [];
  #busy = false;

  /** With `db`, `recordQuietly` works too (its changes share the flush's transaction). */
  constructor(
    private readonly log: EventLog,
    private readonly db?: Kysely<MetaSchema>,
  ) {}

  append(event: NewEvent): Promise<void> {
    // Attributed now: the flush runs in whichever append started it, not in this one's run.
    return this.#push({ event: attributed(event) });
  }

  /**
   * Records that an object arrived or left without an event: a table's data file, which its
   * commit announces later. The object state then knows it, so a scan does not announce it.
   */
  recordQuietly(change: ObjectChange): Promise<void> {
    if (!this.db) throw new Error('EventBatcher.recordQuietly needs the metadata database');
    return this.#push({ quiet: change });
  }

  #push(item: Pending['item']): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        void this.#flush();
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      try {
        await this.#write(batch);
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.#busy = false;
  }

  /** One transaction per flush: the events (which update object state) and the quiet changes. */
  async #write(batch: readonly Pending[]): Promise<void> {
    const events = batch.flatMap((p) => ('event' in p.item ? [p.item.event] : []));
    const quiet = batch.flatMap((p) => ('quiet' in p.item ? [p.item.quiet] : []));
    if (quiet.length === 0 || !this.db) {
      await this.log.appendMany(events);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      await this.log.appendMany(events, trx);
      await recordObjectChanges(trx, quiet);
    });
  }
}
