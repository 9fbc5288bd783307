import { quoteIdentifier } from '../../catalog/identifier.js';
import { constraintOperands } from '../constraints/constraint-holds.js';
import { constraintSql } from '../constraints/constraint-sql.js';
import { ratioJudgement, strictJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

/**
 * `ColumnValues "status" in ["new","paid"]`, `... between 0 and 10000`, `... matches "[A-Z]{3}"`:
 * every row's value satisfies the expression (a NULL fails unless the expression names
 * NULL), or with `with threshold > 0.9` at least that share of rows does.
 */
export const columnValues: RuleType = {
  name: 'ColumnValues',
  syntax: { params: ['a column name'], constraint: 'required', threshold: true },
  plan(rule, context) {
    const column = quoteIdentifier(context.column(rule, rule.params[0]!).name);
    const constraint = rule.constraint!;
    if (constraintOperands(constraint).some((o) => o.kind === 'number' && o.unit)) {
      throw context.invalid(rule, 'ColumnValues compares values; for ages use Freshness.');
    }
    const threshold = rule.threshold && numericConstraint(rule, context, rule.threshold);
    return {
      rows: {
        failing: `(${constraintSql(constraint, column)} IS NOT TRUE)`,
        windowed: false,
        strict: !threshold,
      },
      judge: (m) => (threshold ? ratioJudgement(threshold, m, m.rowCount) : strictJudgement(m)),
    };
  },
};
