import { numberJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

/**
 * `CustomSql "select count(*) from primary where amount < 0" = 0`: a SELECT over the data
 * (named `primary`, as in Glue) and any catalog table, yielding one number.
 */
export const customSql: RuleType = {
  name: 'CustomSql',
  syntax: { params: ['a SQL statement'], constraint: 'required', threshold: false },
  plan(rule, context) {
    const constraint = numericConstraint(rule, context);
    return {
      queries: { value: rule.params[0]! },
      judge: (m) => numberJudgement(constraint, m.value('value'), 'value'),
    };
  },
};
