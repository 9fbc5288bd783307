import { sql, type Kysely, type Migration } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';

/**
 * What event delivery and exactly-once starts need:
 * - `lb_event.tx_id`, the writing transaction's id (PostgreSQL's `pg_current_xact_id()`, 0 on
 *   SQLite, whose writers take turns), so that readers stop at the oldest transaction still
 *   in flight and never pass an event that commits late (see EventLog.read);
 * - `lb_event_consumer`, the durable cursor of each named consumer;
 * - `lb_run.idempotency_key`, unique, so that a start repeated after a crash (a scheduler's
 *   tick, a trigger's delivery) finds the run it made instead of making a second;
 * - `lb_schedule_tick.error`, why a tick started nothing;
 * - `lb_worker.hosting`, the processes that take over runs dead processes left queued.
 */
export function eventDeliveryMigration(dialect: MetaDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('lb_event')
        .addColumn('tx_id', 'bigint', (c) =>
          c
            .notNull()
            .defaultTo(dialect.concurrentWriters ? sql`(pg_current_xact_id()::text::bigint)` : 0),
        )
        .execute();
      await db.schema
        .createIndex('lb_event_position')
        .on('lb_event')
        .columns(['tx_id', 'event_id'])
        .execute();
      await db.schema.createIndex('lb_event_created').on('lb_event').column('created_at').execute();
      await db.schema
        .createTable('lb_event_consumer')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('tx_id', 'bigint', (c) => c.notNull())
        .addColumn('event_id', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('lb_run').addColumn('idempotency_key', 'text').execute();
      await db.schema
        .createIndex('lb_run_idempotency_key')
        .on('lb_run')
        .column('idempotency_key')
        .unique()
        .execute();
      await db.schema.alterTable('lb_schedule_tick').addColumn('error', 'text').execute();
      await db.schema
        .alterTable('lb_worker')
        .addColumn('hosting', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('lb_worker').dropColumn('hosting').execute();
      await db.schema.alterTable('lb_schedule_tick').dropColumn('error').execute();
      await db.schema.dropIndex('lb_run_idempotency_key').execute();
      await db.schema.alterTable('lb_run').dropColumn('idempotency_key').execute();
      await db.schema.dropTable('lb_event_consumer').execute();
      await db.schema.dropIndex('lb_event_created').execute();
      await db.schema.dropIndex('lb_event_position').execute();
      await db.schema.alterTable('lb_event').dropColumn('tx_id').execute();
    },
  };
}
