import type { Kysely, Migration } from 'kysely';

/**
 * What runs need to be dispatched across processes: concurrency keys (claimed in the
 * transaction that claims a run), the earliest time a retry may start, a timeout, the
 * registry of worker processes (liveness by heartbeat, so that a worker lost with its machine
 * is found without asking for its PID).
 */
export function runDispatchMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('lb_run').addColumn('concurrency_key', 'text').execute();
      await db.schema.alterTable('lb_run').addColumn('concurrency_limit', 'integer').execute();
      await db.schema.alterTable('lb_run').addColumn('not_before', 'bigint').execute();
      await db.schema.alterTable('lb_run').addColumn('timeout_ms', 'bigint').execute();
      await db.schema
        .createIndex('lb_run_concurrency')
        .on('lb_run')
        .columns(['concurrency_key', 'status'])
        .execute();
      await db.schema.createIndex('lb_run_retry_of').on('lb_run').column('retry_of').execute();

      // One row per concurrency key, locked by every claim under the key so that claims of
      // one key are serialised (PostgreSQL's read committed would let two count at once).
      await db.schema
        .createTable('lb_run_key')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('claims', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('lb_worker')
        .addColumn('worker_id', 'text', (c) => c.primaryKey())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('kinds', 'text', (c) => c.notNull())
        .addColumn('concurrency', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
