import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';

/**
 * The model registry: model groups with their last version number (taken and raised in
 * the transaction that registers a version, so two trainings never get one number),
 * versions with status and metrics, aliases, and the audit trail of every alias move,
 * refused ones included.
 */
export function modelsMigration(dialect: MetaDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_model')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('last_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lb_model_version')
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('problem', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('artifact_key', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('status_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_model_version_pk', ['model_name', 'version'])
        .execute();
      await db.schema
        .createTable('lb_model_alias')
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('moved_at', 'bigint', (c) => c.notNull())
        .addColumn('moved_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_model_alias_pk', ['model_name', 'alias'])
        .execute();
      await db.schema
        .createTable('lb_model_alias_audit')
        // bigserial counts by itself; SQLite's integer key needs AUTOINCREMENT (as 005 does).
        .addColumn('audit_id', dialect.autoIdType, (c: ColumnDefinitionBuilder) =>
          dialect.autoIdType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('from_version', 'integer')
        .addColumn('to_version', 'integer', (c) => c.notNull())
        .addColumn('expected_version', 'integer')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('moved_by', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('lb_model_alias_audit_by_alias')
        .on('lb_model_alias_audit')
        .columns(['model_name', 'alias', 'audit_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        'lb_model_alias_audit',
        'lb_model_alias',
        'lb_model_version',
        'lb_model',
      ])
        await db.schema.dropTable(table).execute();
    },
  };
}
