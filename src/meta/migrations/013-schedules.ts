import type { Kysely, Migration } from 'kysely';

/**
 * What the scheduler of `lakebox serve` needs to fire each tick exactly once across
 * restarts and several serve processes: a row per fired tick (its primary key refuses the
 * second firing) and how far the scheduler has looked (so a restarted or new leader picks
 * up the ticks that fell due while it took over, and no older ones).
 */
export function schedulesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_schedule_tick')
        .addColumn('schedule_key', 'text', (c) => c.notNull())
        .addColumn('tick_at', 'bigint', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('fired_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_schedule_tick_pk', ['schedule_key', 'tick_at'])
        .execute();
      await db.schema
        .createTable('lb_scheduler_state')
        .addColumn('scheduler', 'text', (c) => c.primaryKey())
        .addColumn('checked_until', 'bigint', (c) => c.notNull())
        .addColumn('leader', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('lb_scheduler_state').execute();
      await db.schema.dropTable('lb_schedule_tick').execute();
    },
  };
}
