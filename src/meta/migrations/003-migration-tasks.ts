import type { Kysely, Migration } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';

/**
 * Database migration (DMS): source endpoints, migration tasks and each task's per-table
 * state. JSON is text, times are epoch-ms bigint, as in 001-initial; keys are names, so no
 * dialect-specific auto-increment is needed.
 */
export function migrationTasksMigration(_dialect: MetaDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_migration_source')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('engine', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lb_migration_task')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('target_database', 'text', (c) => c.notNull())
        .addColumn('migration_type', 'text', (c) => c.notNull())
        .addColumn('table_mappings', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('run_id', 'text')
        .addColumn('confirmed_lsn', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lb_migration_table')
        .addColumn('task', 'text', (c) => c.notNull())
        .addColumn('source_schema', 'text', (c) => c.notNull())
        .addColumn('source_table', 'text', (c) => c.notNull())
        .addColumn('target_table', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('rows_loaded', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('rows_rejected', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('changes_applied', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_lsn', 'text')
        .addColumn('lag_ms', 'bigint')
        .addColumn('lag_bytes', 'bigint')
        .addColumn('error', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_migration_table_pk', ['task', 'source_schema', 'source_table'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('lb_migration_table').execute();
      await db.schema.dropTable('lb_migration_task').execute();
      await db.schema.dropTable('lb_migration_source').execute();
    },
  };
}
