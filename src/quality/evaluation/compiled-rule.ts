import type { RuleNode, SimpleRule } from '../language/rule-ast.js';
import { strictJudgement } from '../rules/judgements.js';
import type { Judgement, Measured, PlanContext, RowCheck } from '../rules/rule-type.js';
import { RULE_TYPES } from '../rules/rule-types.js';

/** A rule (simple or composite) turned into SQL measures and a judge over their values. */
export interface CompiledRule {
  node: RuleNode;
  /** Aggregates and scalar subqueries over `"primary"`, by globally unique key. */
  measures: Map<string, string>;
  /** Whole SELECTs that yield one number each (CustomSql), by globally unique key. */
  queries: Map<string, string>;
  rows?: RowCheck;
  /** Key of the failing-row count among `measures`, for row-level rules. */
  failingKey?: string;
  judge(values: ReadonlyMap<string, number | null>, rowCount: number): Judgement;
}

/**
 * Compiles a rule through its rule type's planner. A composite of strict row-level rules is
 * itself row-level (a row fails `(A) and (B)` when it fails A or B; `(A) or (B)` when it
 * fails both), which is what lets `(DataFreshness "d" <= 24 hours) or (ColumnValues "d" =
 * NULL)` admit NULLs; any other composite combines its parts' outcomes, as DQDL does.
 */
export async function compileRule(
  node: RuleNode,
  context: PlanContext,
  key: string,
): Promise<CompiledRule> {
  if (node.kind === 'rule') return compileSimple(node, context, key);
  const parts = await Promise.all(
    node.rules.map((child, i) => compileRule(child, context, `${key}_${i + 1}`)),
  );
  const measures = new Map(parts.flatMap((p) => [...p.measures]));
  const queries = new Map(parts.flatMap((p) => [...p.queries]));
  if (parts.every((p) => p.rows?.strict)) {
    const joiner = node.operator === 'and' ? ' OR ' : ' AND ';
    const rows: RowCheck = {
      failing: `(${parts.map((p) => p.rows!.failing).join(joiner)})`,
      windowed: parts.some((p) => p.rows!.windowed),
      strict: true,
    };
    const failingKey = `${key}_failing`;
    measures.set(failingKey, failingCountSql(rows));
    return {
      node,
      measures,
      queries,
      rows,
      failingKey,
      judge: (values, rowCount) =>
        strictJudgement(measuredFrom(values, rowCount, '', values.get(failingKey) ?? 0)),
    };
  }
  return {
    node,
    measures,
    queries,
    judge(values, rowCount) {
      const judged = parts.map((p) => p.judge(values, rowCount));
      const passed =
        node.operator === 'and' ? judged.every((j) => j.passed) : judged.some((j) => j.passed);
      return {
        passed,
        observed: null,
        message: judged
          .map((j) => `(${j.passed ? 'passed' : 'failed'}: ${j.message})`)
          .join(` ${node.operator} `),
      };
    },
  };
}

async function compileSimple(
  rule: SimpleRule,
  context: PlanContext,
  key: string,
): Promise<CompiledRule> {
  const plan = await RULE_TYPES.get(rule.type)!.plan(rule, context);
  const measures = new Map(
    Object.entries(plan.measures ?? {}).map(([n, sql]) => [`${key}_${n}`, sql]),
  );
  const queries = new Map(
    Object.entries(plan.queries ?? {}).map(([n, sql]) => [`${key}_${n}`, sql]),
  );
  const failingKey = plan.rows ? `${key}_failing` : undefined;
  if (plan.rows) measures.set(failingKey!, plan.rows.failingCount ?? failingCountSql(plan.rows));
  return {
    node: rule,
    measures,
    queries,
    rows: plan.rows,
    failingKey,
    judge: (values, rowCount) =>
      plan.judge(
        measuredFrom(
          values,
          rowCount,
          `${key}_`,
          failingKey ? (values.get(failingKey) ?? 0) : null,
        ),
      ),
  };
}

/** Counts failing rows in the one aggregate scan; a windowed check needs its own subquery. */
function failingCountSql(rows: RowCheck): string {
  return rows.windowed
    ? `(SELECT count(*) FROM (SELECT ${rows.failing} AS f FROM "primary") WHERE f)`
    : `count(*) FILTER (WHERE ${rows.failing})`;
}

function measuredFrom(
  values: ReadonlyMap<string, number | null>,
  rowCount: number,
  prefix: string,
  failingRows: number | null,
): Measured {
  return { value: (name) => values.get(`${prefix}${name}`) ?? null, rowCount, failingRows };
}
