import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';

/** The catalog, runs and event log. One migration set serves both dialects. */
export function initialMigration(dialect: MetaDialect): Migration {
  const id = dialect.autoIdType;
  // SQLite's AUTOINCREMENT never reuses a key, so snapshot ids only grow; PostgreSQL's
  // bigserial already behaves so and takes no keyword.
  const key = (c: ColumnDefinitionBuilder) =>
    dialect.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey();
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_database')
        .addColumn('database_id', id, key)
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('zone', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('properties', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('dropped_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('lb_database_live_name')
        .on('lb_database')
        .column('name')
        .unique()
        .where(sql.ref('dropped_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('lb_table')
        .addColumn('table_id', id, key)
        .addColumn('database_id', 'bigint', (c) =>
          c.notNull().references('lb_database.database_id'),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('properties', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('current_snapshot_id', 'bigint')
        .addColumn('current_schema_id', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('dropped_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('lb_table_live_name')
        .on('lb_table')
        .columns(['database_id', 'name'])
        .unique()
        .where(sql.ref('dropped_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('lb_schema')
        .addColumn('schema_id', id, key)
        .addColumn('table_id', 'bigint', (c) => c.notNull().references('lb_table.table_id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('partition_columns', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('lb_schema_table_version', ['table_id', 'version'])
        .execute();

      await db.schema
        .createTable('lb_column')
        .addColumn('schema_id', 'bigint', (c) => c.notNull().references('lb_schema.schema_id'))
        .addColumn('table_id', 'bigint', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('nullable', 'integer', (c) => c.notNull())
        .addColumn('description', 'text')
        .addPrimaryKeyConstraint('lb_column_pk', ['schema_id', 'position'])
        .execute();

      await db.schema
        .createTable('lb_snapshot')
        .addColumn('snapshot_id', id, key)
        .addColumn('table_id', 'bigint', (c) => c.notNull().references('lb_table.table_id'))
        .addColumn('parent_snapshot_id', 'bigint')
        .addColumn('schema_id', 'bigint', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('record_count', 'bigint', (c) => c.notNull())
        .addColumn('file_count', 'bigint', (c) => c.notNull())
        .addColumn('total_bytes', 'bigint', (c) => c.notNull())
        .addColumn('committed_at', 'bigint', (c) => c.notNull())
        .addColumn('expired_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('lb_snapshot_table')
        .on('lb_snapshot')
        .columns(['table_id', 'snapshot_id'])
        .execute();

      await db.schema
        .createTable('lb_data_file')
        .addColumn('file_id', id, key)
        .addColumn('table_id', 'bigint', (c) => c.notNull().references('lb_table.table_id'))
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('record_count', 'bigint', (c) => c.notNull())
        .addColumn('file_size', 'bigint', (c) => c.notNull())
        .addColumn('partition_values', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('begin_snapshot', 'bigint', (c) => c.notNull())
        .addColumn('end_snapshot', 'bigint')
        .execute();
      await db.schema
        .createIndex('lb_data_file_table')
        .on('lb_data_file')
        .columns(['table_id', 'begin_snapshot'])
        .execute();
      await db.schema.createIndex('lb_data_file_path').on('lb_data_file').column('path').execute();

      await db.schema
        .createTable('lb_file_column_stats')
        .addColumn('file_id', 'bigint', (c) => c.notNull().references('lb_data_file.file_id'))
        .addColumn('table_id', 'bigint', (c) => c.notNull())
        .addColumn('column_name', 'text', (c) => c.notNull())
        .addColumn('value_count', 'bigint')
        .addColumn('null_count', 'bigint')
        .addColumn('min_value', 'text')
        .addColumn('max_value', 'text')
        .addPrimaryKeyConstraint('lb_file_column_stats_pk', ['file_id', 'column_name'])
        .execute();

      await db.schema
        .createTable('lb_delete_file')
        .addColumn('delete_file_id', id, key)
        .addColumn('table_id', 'bigint', (c) => c.notNull().references('lb_table.table_id'))
        .addColumn('data_file_id', 'bigint', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('record_count', 'bigint', (c) => c.notNull())
        .addColumn('file_size', 'bigint', (c) => c.notNull())
        .addColumn('begin_snapshot', 'bigint', (c) => c.notNull())
        .addColumn('end_snapshot', 'bigint')
        .execute();

      await db.schema
        .createTable('lb_run')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('retry_of', 'text')
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('progress', 'text')
        .addColumn('error', 'text')
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('worker', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('heartbeat_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('lb_run_kind')
        .on('lb_run')
        .columns(['kind', 'created_at'])
        .execute();
      await db.schema.createIndex('lb_run_status').on('lb_run').column('status').execute();

      await db.schema
        .createTable('lb_run_log')
        .addColumn('log_id', id, key)
        .addColumn('run_id', 'text', (c) => c.notNull().references('lb_run.run_id'))
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('lb_run_log_run')
        .on('lb_run_log')
        .columns(['run_id', 'log_id'])
        .execute();

      await db.schema
        .createTable('lb_event')
        .addColumn('event_id', id, key)
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('lb_event_type')
        .on('lb_event')
        .columns(['type', 'event_id'])
        .execute();
    },
  };
}
