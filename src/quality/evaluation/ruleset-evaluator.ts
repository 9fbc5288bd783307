import type { Catalog } from '../../catalog/catalog.js';
import type { AsOf, Column } from '../../catalog/catalog-types.js';
import { quoteIdentifier } from '../../catalog/identifier.js';
import type { QueryOptions, QueryRunner } from '../../engine/query-runner.js';
import type { QueryResult } from '../../engine/query-result.js';
import { LakeError } from '../../errors/lake-error.js';
import type { RulesetAst } from '../language/rule-ast.js';
import type { QualityReport, RowCheck, RuleOutcome } from '../quality-types.js';
import { compileRule, type CompiledRule } from './compiled-rule.js';
import { createPlanContext } from './plan-context.js';
import { ruleSubquery, withPrimary } from './primary-sql.js';

/** The data a ruleset is evaluated over, already resolved. */
export interface EvaluationData {
  /** The table name or the relation's label, for results and messages. */
  target: string;
  /** One SELECT producing the data; bound as `"primary"`. */
  relation: string;
  columns: readonly Column[];
  /** The catalog table, when the data is one: its snapshot is recorded. */
  table?: string;
  asOf?: AsOf;
  database?: string;
}

const SAMPLE_ROWS = 5;
const ROW_COUNT = 'row_count';
const FAILING = '__lakebox_failing';

/**
 * Evaluates a parsed ruleset in as few scans as it can: every aggregate, failing-row count
 * and ratio of every rule is one column of one SELECT over the data; CustomSql statements
 * run on their own; sample rows are read only for rules that failed. Every statement after
 * the first reads the catalog as of the snapshots the first one pinned, so that all rules
 * judge the same data even while writers commit.
 */
export async function evaluateRuleset(
  ast: RulesetAst,
  data: EvaluationData,
  services: { queries: QueryRunner; catalog: Catalog },
  ruleset: string | null,
): Promise<QualityReport> {
  const startedAt = new Date();
  const context = createPlanContext(data.target, data.columns, services.catalog);
  const compiled: CompiledRule[] = [];
  for (const [i, node] of ast.rules.entries())
    compiled.push(await compileRule(node, context, `r${i + 1}`));

  const run = (sql: string, asOf: AsOf | undefined) =>
    services.queries.query(sql, { asOf, database: data.database } satisfies QueryOptions);
  const measures = new Map<string, string>([[ROW_COUNT, 'count(*)']]);
  for (const rule of compiled) for (const [key, sql] of rule.measures) measures.set(key, sql);
  const list = [...measures].map(
    ([key, sql]) => `CAST(${sql} AS DOUBLE) AS ${quoteIdentifier(key)}`,
  );
  const first = await run(
    withPrimary(data.relation, `SELECT ${list.join(', ')} FROM "primary"`),
    data.asOf,
  );
  const values = new Map<string, number | null>(
    Object.entries(first.rows()[0] ?? {}).map(([k, v]) => [k, v === null ? null : Number(v)]),
  );
  const asOf = data.asOf ?? pinnedPoint(first);

  for (const rule of compiled) {
    for (const [key, sql] of rule.queries)
      values.set(key, await scalar(run, data, sql, asOf, rule));
  }

  const rowCount = values.get(ROW_COUNT) ?? 0;
  const outcomes: RuleOutcome[] = compiled.map((rule, i) => {
    const judgement = rule.judge(values, rowCount);
    return {
      name: `Rule_${i + 1}`,
      rule: rule.node.text,
      type: rule.node.kind === 'rule' ? rule.node.type : rule.node.operator,
      passed: judgement.passed,
      observed: judgement.observed,
      message: judgement.message,
      rowLevel: rule.rows !== undefined,
      failingRows: rule.failingKey ? (values.get(rule.failingKey) ?? 0) : null,
      sampleRows: [],
    };
  });
  await Promise.all(
    compiled.map(async (rule, i) => {
      const outcome = outcomes[i]!;
      if (!rule.rows || outcome.passed || !outcome.failingRows) return;
      const sample = await run(
        withPrimary(
          data.relation,
          `SELECT * EXCLUDE (${FAILING}) FROM (SELECT *, ${rule.rows.failing} AS ${FAILING} FROM "primary") WHERE ${FAILING} LIMIT ${SAMPLE_ROWS}`,
        ),
        asOf,
      );
      outcome.sampleRows = sample.jsonRows();
    }),
  );

  const rowChecks: RowCheck[] = compiled.flatMap((rule, i) =>
    rule.rows
      ? [
          {
            name: outcomes[i]!.name,
            rule: rule.node.text,
            passed: outcomes[i]!.passed,
            failing: rule.rows.failing,
          },
        ]
      : [],
  );
  const rulesPassed = outcomes.filter((o) => o.passed).length;
  return {
    ruleset,
    target: data.target,
    snapshotId: data.table
      ? (first.snapshots.find((s) => s.table === data.table)?.snapshotId ?? null)
      : null,
    rowCount,
    passed: rulesPassed === outcomes.length,
    score: outcomes.length === 0 ? 1 : rulesPassed / outcomes.length,
    rulesPassed,
    rulesTotal: outcomes.length,
    outcomes,
    rowChecks,
    startedAt,
    endedAt: new Date(),
  };
}

/**
 * The newest snapshot the first statement read. Snapshot ids are global and increase, so
 * reading "as of" it sees every table exactly as the first statement did.
 */
function pinnedPoint(result: QueryResult): number | undefined {
  const ids = result.snapshots.map((s) => s.snapshotId).filter((id): id is number => id !== null);
  return ids.length > 0 ? Math.max(...ids) : undefined;
}

async function scalar(
  run: (sql: string, asOf: AsOf | undefined) => Promise<QueryResult>,
  data: EvaluationData,
  sql: string,
  asOf: AsOf | undefined,
  rule: CompiledRule,
): Promise<number | null> {
  let result: QueryResult;
  try {
    result = await run(
      withPrimary(data.relation, `SELECT * FROM (${ruleSubquery(sql)}) AS custom_sql`),
      asOf,
    );
  } catch (error) {
    if (error instanceof LakeError && error.code === 'SQL_ERROR') {
      throw new LakeError('SQL_ERROR', `Rule ${rule.node.text} failed: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  if (result.columns.length !== 1 || result.rowCount !== 1) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Rule ${rule.node.text} must yield one number (one row, one column); its SQL gave ${result.rowCount} row(s) of ${result.columns.length} column(s).`,
    );
  }
  const value = Object.values(result.rows()[0]!)[0];
  if (value === null || value === undefined) return null;
  const number = Number(value);
  if (Number.isNaN(number)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Rule ${rule.node.text} must yield a number; its SQL gave ${JSON.stringify(String(value))}.`,
    );
  }
  return number;
}
