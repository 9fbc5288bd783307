import type { Kysely, Transaction } from 'kysely';
import type { EventLog, NewEvent } from '../events/event-log.js';
import type { MetaSchema } from '../meta/schema.js';

/** Rows per INSERT: 7 parameters each stays far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_INSERT = 200;

export type DeliveryStatus = 'started' | 'failed' | 'stopped';

/** What a trigger did with one event. */
export interface Delivery {
  trigger: string;
  eventId: number;
  status: DeliveryStatus;
  runId: string | null;
  chainDepth: number;
  error: string | null;
  createdAt: Date;
}

/**
 * The record of deliveries (`lb_trigger_delivery`): one row per (trigger, event), ever,
 * written with its `trigger.*` event in one transaction. The target's start is keyed by the
 * same pair, so a dispatcher that died between the start and the record finds the run it
 * made when it delivers the event again.
 */
export class TriggerDeliveries {
  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly events: EventLog,
  ) {}

  /** Of `eventIds`, those `trigger` has already dealt with. */
  async done(trigger: string, eventIds: number[]): Promise<Set<number>> {
    if (eventIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('lb_trigger_delivery')
      .select('event_id')
      .where('trigger_name', '=', trigger)
      .where('event_id', 'in', eventIds)
      .execute();
    return new Set(rows.map((row) => Number(row.event_id)));
  }

  /**
   * Records deliveries with their events, those of pairs not recorded yet, and runs `then`
   * in the same transaction (the dispatcher moves its cursor there): one commit per batch.
   */
  async record(
    deliveries: ReadonlyArray<{ delivery: Omit<Delivery, 'createdAt'>; event: NewEvent }>,
    then: (trx: Transaction<MetaSchema>) => Promise<void>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      for (let start = 0; start < deliveries.length; start += ROWS_PER_INSERT) {
        const chunk = deliveries.slice(start, start + ROWS_PER_INSERT);
        const inserted = await trx
          .insertInto('lb_trigger_delivery')
          .values(
            chunk.map(({ delivery }) => ({
              trigger_name: delivery.trigger,
              event_id: delivery.eventId,
              status: delivery.status,
              run_id: delivery.runId,
              chain_depth: delivery.chainDepth,
              error: delivery.error,
              created_at: now,
            })),
          )
          .onConflict((conflict) => conflict.columns(['trigger_name', 'event_id']).doNothing())
          .returning(['trigger_name', 'event_id'])
          .execute();
        const fresh = new Set(inserted.map((row) => `${row.trigger_name}:${Number(row.event_id)}`));
        const events = chunk
          .filter(({ delivery }) => fresh.has(`${delivery.trigger}:${delivery.eventId}`))
          .map(({ event }) => event);
        await this.events.appendMany(events, trx);
      }
      await then(trx);
    });
  }

  /** The trigger's deliveries, newest first. */
  async list(
    trigger: string,
    options: { limit?: number; status?: DeliveryStatus } = {},
  ): Promise<Delivery[]> {
    let select = this.db
      .selectFrom('lb_trigger_delivery')
      .selectAll()
      .where('trigger_name', '=', trigger);
    if (options.status) select = select.where('status', '=', options.status);
    const rows = await select
      .orderBy('event_id', 'desc')
      .limit(options.limit ?? 20)
      .execute();
    return rows.map((row) => ({
      trigger: row.trigger_name,
      eventId: Number(row.event_id),
      status: row.status as DeliveryStatus,
      runId: row.run_id,
      chainDepth: row.chain_depth,
      error: row.error,
      createdAt: new Date(Number(row.created_at)),
    }));
  }

  /** How many deliveries of each status the trigger has made. */
  async counts(trigger: string): Promise<Record<DeliveryStatus, number>> {
    const rows = await this.db
      .selectFrom('lb_trigger_delivery')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('trigger_name', '=', trigger)
      .groupBy('status')
      .execute();
    const counts: Record<DeliveryStatus, number> = { started: 0, failed: 0, stopped: 0 };
    for (const row of rows) counts[row.status as DeliveryStatus] = Number(row.n);
    return counts;
  }
}

/** Deletes a trigger's deliveries with it (RecordStore's dependents). */
export async function deleteDeliveries(trx: Kysely<MetaSchema>, trigger: string): Promise<void> {
  await trx.deleteFrom('lb_trigger_delivery').where('trigger_name', '=', trigger).execute();
}
