import { quoteIdentifier } from '../../catalog/identifier.js';
import { numberJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

const NUMERIC_TYPE = /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|REAL|DECIMAL(\(.*\))?)$/i;

/**
 * A rule on one aggregate of a numeric column (`Mean "amount" between 10 and 20`): the
 * aggregate over non-NULL values, judged by the expression. No value (all NULL) fails.
 */
export function columnStatistic(name: string, aggregate: string, what: string): RuleType {
  return {
    name,
    syntax: { params: ['a column name'], constraint: 'required', threshold: false },
    plan(rule, context) {
      const column = context.column(rule, rule.params[0]!);
      if (!NUMERIC_TYPE.test(column.type)) {
        throw context.invalid(
          rule,
          `${name} needs a numeric column; ${column.name} of ${context.target} is ${column.type}.`,
        );
      }
      const constraint = numericConstraint(rule, context);
      return {
        measures: { value: `${aggregate}(${quoteIdentifier(column.name)})` },
        judge: (m) => numberJudgement(constraint, m.value('value'), what),
      };
    },
  };
}
