import type { Kysely, Migration } from 'kysely';

/**
 * Triggers (EventBridge rules) and what they need:
 * - `lb_trigger`, the record: an event pattern, a target and an optional input template;
 * - `lb_trigger_delivery`, one row per (trigger, event) ever, so that a dispatcher restarted
 *   after a crash knows what it already did (the target run's idempotency key makes the
 *   start itself safe to repeat);
 * - `lb_run.chain_depth` and `lb_event.chain_depth`: how many deliveries led to a run or an
 *   event, carried from a run to what it appends and submits, so that a loop of triggers is
 *   stopped at a maximum depth; `lb_event.source`, what appended the event.
 */
export function triggersMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_trigger')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text')
        .addColumn('pattern', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('input', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lb_trigger_delivery')
        .addColumn('trigger_name', 'text', (c) => c.notNull())
        .addColumn('event_id', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('chain_depth', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_trigger_delivery_pk', ['trigger_name', 'event_id'])
        .execute();
      await db.schema
        .alterTable('lb_run')
        .addColumn('chain_depth', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('lb_event').addColumn('source', 'text').execute();
      await db.schema
        .alterTable('lb_event')
        .addColumn('chain_depth', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('lb_event').dropColumn('chain_depth').execute();
      await db.schema.alterTable('lb_event').dropColumn('source').execute();
      await db.schema.alterTable('lb_run').dropColumn('chain_depth').execute();
      await db.schema.dropTable('lb_trigger_delivery').execute();
      await db.schema.dropTable('lb_trigger').execute();
    },
  };
}
