import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';

/**
 * Functions (Lambda): the named record, its versions (each one bundle in the artifacts zone
 * with its settings; environment values kept as `${env:NAME}` references, never resolved),
 * the result of each invocation (a run), and the dead letters of asynchronous invocations
 * that used up their attempts.
 */
export function functionsMigration(dialect: MetaDialect): Migration {
  const key = (c: ColumnDefinitionBuilder) =>
    dialect.autoIdType === 'integer' ? c.primaryKey().autoIncrement() : c.primaryKey();
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_function')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lb_function_version')
        .addColumn('function_name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('artifact_key', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lb_function_version_pk', ['function_name', 'version'])
        .execute();
      await db.schema
        .createTable('lb_function_result')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('function_name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lb_function_dead_letter')
        .addColumn('dead_letter_id', dialect.autoIdType, key)
        .addColumn('function_name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text', (c) => c.notNull())
        .addColumn('error_message', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        // The last attempt's run: one dead letter per failed invocation, however often recorded.
        .addColumn('run_id', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('replayed_at', 'bigint')
        .addColumn('replay_run_id', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        'lb_function_dead_letter',
        'lb_function_result',
        'lb_function_version',
        'lb_function',
      ])
        await db.schema.dropTable(table).execute();
    },
  };
}
