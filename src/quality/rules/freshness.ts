import { quoteIdentifier } from '../../catalog/identifier.js';
import { constraintOperands } from '../constraints/constraint-holds.js';
import { constraintSql } from '../constraints/constraint-sql.js';
import { ratioJudgement, strictJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

const TIME_TYPE = /^(DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_[A-Z]+|TIMESTAMPTZ)$/i;

/**
 * `DataFreshness "updated_at" <= 24 hours` (also spelled `Freshness`): each row's age, now
 * minus the column's value, satisfies the expression; a NULL fails, as in Glue. Timestamps
 * without a time zone are taken as UTC.
 */
export function freshness(name: 'DataFreshness' | 'Freshness'): RuleType {
  return {
    name,
    syntax: { params: ['a column name'], constraint: 'required', threshold: true },
    plan(rule, context) {
      const column = context.column(rule, rule.params[0]!);
      const constraint = rule.constraint!;
      const operands = constraintOperands(constraint);
      if (constraint.op === 'matches' || operands.some((o) => o.kind !== 'number' || !o.unit)) {
        throw context.invalid(
          rule,
          `${name} compares ages: give each value a unit, for example <= 24 hours or between 1 days and 7 days.`,
        );
      }
      const threshold = rule.threshold && numericConstraint(rule, context, rule.threshold);
      const quoted = quoteIdentifier(column.name);
      const value = TIME_TYPE.test(column.type) ? quoted : `CAST(${quoted} AS TIMESTAMP)`;
      const age = `(epoch(current_timestamp) - epoch(${value}))`;
      return {
        rows: {
          failing: `(${constraintSql(constraint, age)} IS NOT TRUE)`,
          windowed: false,
          strict: !threshold,
        },
        judge: (m) => (threshold ? ratioJudgement(threshold, m, m.rowCount) : strictJudgement(m)),
      };
    },
  };
}
