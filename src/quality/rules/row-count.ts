import { numberJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

/** `RowCount > 0`: the number of rows. */
export const rowCount: RuleType = {
  name: 'RowCount',
  syntax: { params: [], constraint: 'required', threshold: false },
  plan(rule, context) {
    const constraint = numericConstraint(rule, context);
    return { judge: (m) => numberJudgement(constraint, m.rowCount, 'row count') };
  },
};
