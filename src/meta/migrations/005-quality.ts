import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { MetaDialect } from '../dialects/meta-dialect.js';

/**
 * Data quality: rulesets (DQDL text as records), evaluation results, and one row per rule of
 * each result so that outcomes can be queried by rule. Samples of failing rows are JSON text.
 */
export function qualityMigration(dialect: MetaDialect): Migration {
  const key = (c: ColumnDefinitionBuilder) =>
    dialect.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey();
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_quality_ruleset')
        .addColumn('ruleset_id', dialect.autoIdType, key)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('lb_quality_result')
        .addColumn('result_id', dialect.autoIdType, key)
        .addColumn('ruleset', 'text')
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('snapshot_id', 'bigint')
        .addColumn('run_id', 'text')
        .addColumn('passed', 'integer', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('rules_passed', 'integer', (c) => c.notNull())
        .addColumn('rules_total', 'integer', (c) => c.notNull())
        .addColumn('row_count', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('lb_quality_result_target')
        .on('lb_quality_result')
        .columns(['target', 'result_id'])
        .execute();
      await db.schema
        .createIndex('lb_quality_result_ruleset')
        .on('lb_quality_result')
        .columns(['ruleset', 'result_id'])
        .execute();
      await db.schema
        .createIndex('lb_quality_result_run')
        .on('lb_quality_result')
        .column('run_id')
        .where(sql.ref('run_id'), 'is not', null)
        .execute();

      await db.schema
        .createTable('lb_quality_rule_result')
        .addColumn('result_id', 'bigint', (c) =>
          c.notNull().references('lb_quality_result.result_id'),
        )
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('rule_type', 'text', (c) => c.notNull())
        .addColumn('passed', 'integer', (c) => c.notNull())
        .addColumn('observed', 'double precision')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('row_level', 'integer', (c) => c.notNull())
        .addColumn('failing_rows', 'bigint')
        .addColumn('sample_rows', 'text', (c) => c.notNull().defaultTo('[]'))
        .addPrimaryKeyConstraint('lb_quality_rule_result_pk', ['result_id', 'position'])
        .execute();
    },
  };
}
