import type { Kysely, Migration } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';

/** Sync tasks, the per-file state that makes re-syncs incremental, and execution reports. */
export function syncTasksMigration(dialect: MetaDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_sync_task')
        .addColumn('task_id', dialect.autoIdType, (c) =>
          dialect.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('include', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('exclude', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('schedule', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('lb_sync_file')
        .addColumn('pair_key', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('source_size', 'bigint', (c) => c.notNull())
        .addColumn('source_mtime', 'bigint', (c) => c.notNull())
        .addColumn('destination_version', 'text', (c) => c.notNull())
        .addColumn('checksum', 'text')
        .addColumn('synced_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_sync_file_pk', ['pair_key', 'path'])
        .execute();

      await db.schema
        .createTable('lb_sync_report')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('code', 'text')
        .addColumn('message', 'text')
        .addPrimaryKeyConstraint('lb_sync_report_pk', ['run_id', 'seq'])
        .execute();
    },
  };
}
