import { quoteIdentifier } from '../../catalog/identifier.js';
import { numberJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

/** `DistinctValuesCount "status" between 2 and 5`: distinct non-NULL values of the column. */
export const distinctValuesCount: RuleType = {
  name: 'DistinctValuesCount',
  syntax: { params: ['a column name'], constraint: 'required', threshold: false },
  plan(rule, context) {
    const column = quoteIdentifier(context.column(rule, rule.params[0]!).name);
    const constraint = numericConstraint(rule, context);
    return {
      measures: { value: `count(DISTINCT ${column})` },
      judge: (m) => numberJudgement(constraint, m.value('value'), 'distinct values'),
    };
  },
};
