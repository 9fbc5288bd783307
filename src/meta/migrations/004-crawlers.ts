import type { Kysely, Migration } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';

/**
 * Crawlers, the tables each crawler keeps, the objects it has seen (what makes re-crawls
 * incremental) and the summary of each crawl run.
 */
export function crawlersMigration(dialect: MetaDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_crawler')
        .addColumn('crawler_id', dialect.autoIdType, (c) =>
          dialect.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('database_name', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('schedule', 'text')
        .addColumn('description', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('lb_crawler_table')
        .addColumn('crawler_name', 'text', (c) => c.notNull())
        .addColumn('table_id', 'bigint', (c) => c.notNull())
        .addColumn('root', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_crawler_table_pk', ['crawler_name', 'table_id'])
        .execute();

      await db.schema
        .createTable('lb_crawler_object')
        .addColumn('crawler_name', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('table_id', 'bigint')
        .addColumn('skip_reason', 'text')
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_crawler_object_pk', ['crawler_name', 'key'])
        .execute();

      await db.schema
        .createTable('lb_crawl_summary')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('crawler_name', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('lb_crawl_summary_crawler')
        .on('lb_crawl_summary')
        .columns(['crawler_name', 'created_at'])
        .execute();
    },
  };
}
