import type { Column } from '../../catalog/catalog-types.js';
import type { LakeError } from '../../errors/lake-error.js';
import type { SimpleRule } from '../language/rule-ast.js';
import type { RuleSyntax } from '../language/rule-syntax.js';

/** What a rule type is given to plan its SQL: the data's columns and ways to refuse a rule. */
export interface PlanContext {
  /** The data's name in messages: `sales.orders`, or the label of a relation. */
  readonly target: string;
  readonly columns: readonly Column[];
  /**
   * The column of the data a rule names; exact match first, then case-insensitive.
   * @throws LakeError COLUMN_NOT_FOUND naming the column, the data and the rule.
   */
  column(rule: SimpleRule, name: string): Column;
  /**
   * A column of a catalog table, written `database.table.column` (ReferentialIntegrity).
   * @throws LakeError TABLE_NOT_FOUND or COLUMN_NOT_FOUND.
   */
  referenceColumn(rule: SimpleRule, spec: string): Promise<{ table: string; column: Column }>;
  /** An INVALID_ARGUMENT error that points at the rule's line and column. */
  invalid(rule: SimpleRule, message: string): LakeError;
}

/**
 * A row-level check: `failing` is a SQL boolean over one row of `"primary"` that is true when
 * the row fails the rule. It may use window functions (`windowed`), so it belongs in a
 * SELECT list, never directly in WHERE or FILTER.
 */
export interface RowCheck {
  failing: string;
  windowed: boolean;
  /**
   * True when the rule passes exactly when no row fails (IsComplete, ColumnValues without a
   * threshold); false when it judges a ratio (Completeness > 0.95).
   */
  strict: boolean;
  /** The count of failing rows as a measure, when cheaper than counting `failing`. */
  failingCount?: string;
}

/** The numbers one SELECT measured, by the names a plan gave its measures. */
export interface Measured {
  value(name: string): number | null;
  /** Rows in the data. */
  readonly rowCount: number;
  /** Rows failing the rule's row check, for row-level rules. */
  readonly failingRows: number | null;
}

export interface Judgement {
  passed: boolean;
  observed: number | null;
  /** Why, in a few words: `0.93 of rows complete; expected > 0.95`. */
  message: string;
}

/** A rule's evaluation, in SQL: what to measure and how to judge the measurements. */
export interface RulePlan {
  /** SQL expressions evaluated together in one SELECT over `"primary"`: aggregates or scalar subqueries. */
  measures?: Record<string, string>;
  /** Whole SELECT statements, each yielding one number (CustomSql). */
  queries?: Record<string, string>;
  rows?: RowCheck;
  judge(measured: Measured): Judgement;
}

/** A rule type: its syntax (for the parser) and its planner. */
export interface RuleType {
  readonly name: string;
  readonly syntax: RuleSyntax;
  plan(rule: SimpleRule, context: PlanContext): RulePlan | Promise<RulePlan>;
}
