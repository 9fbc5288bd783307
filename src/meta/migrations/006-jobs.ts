import type { Kysely, Migration } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';

/** Jobs and their bookmarks (a log of what each successful run consumed, per input table). */
export function jobsMigration(dialect: MetaDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_job')
        .addColumn('job_id', dialect.autoIdType, (c) =>
          dialect.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('lb_job_bookmark_entry')
        .addColumn('entry_id', dialect.autoIdType, (c) =>
          dialect.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('job_name', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('input_table', 'text', (c) => c.notNull())
        .addColumn('table_id', 'bigint', (c) => c.notNull())
        .addColumn('snapshot_id', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('lb_job_bookmark_entry_job')
        .on('lb_job_bookmark_entry')
        .columns(['job_name', 'table_id', 'entry_id'])
        .execute();

      await db.schema
        .createTable('lb_job_bookmark_file')
        .addColumn('entry_id', 'bigint', (c) => c.notNull())
        .addColumn('job_name', 'text', (c) => c.notNull())
        .addColumn('table_id', 'bigint', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_job_bookmark_file_pk', ['entry_id', 'path'])
        .execute();
      await db.schema
        .createIndex('lb_job_bookmark_file_job')
        .on('lb_job_bookmark_file')
        .columns(['job_name', 'table_id'])
        .execute();
    },
  };
}
