import { quoteIdentifier } from '../../catalog/identifier.js';
import { constraintSql } from '../constraints/constraint-sql.js';
import { ratioJudgement, strictJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

/** `ColumnLength "code" = 3`, `ColumnLength "name" between 1 and 40`: length of each value as text; NULL fails. */
export const columnLength: RuleType = {
  name: 'ColumnLength',
  syntax: { params: ['a column name'], constraint: 'required', threshold: true },
  plan(rule, context) {
    const column = quoteIdentifier(context.column(rule, rule.params[0]!).name);
    const constraint = numericConstraint(rule, context);
    const threshold = rule.threshold && numericConstraint(rule, context, rule.threshold);
    const length = `length(CAST(${column} AS VARCHAR))`;
    return {
      rows: {
        failing: `(${constraintSql(constraint, length)} IS NOT TRUE)`,
        windowed: false,
        strict: !threshold,
      },
      judge: (m) => (threshold ? ratioJudgement(threshold, m, m.rowCount) : strictJudgement(m)),
    };
  },
};
