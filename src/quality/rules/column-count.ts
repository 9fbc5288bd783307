import { numberJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

/** `ColumnCount >= 5`: the number of columns of the data. */
export const columnCount: RuleType = {
  name: 'ColumnCount',
  syntax: { params: [], constraint: 'required', threshold: false },
  plan(rule, context) {
    const constraint = numericConstraint(rule, context);
    const count = context.columns.length;
    return { judge: () => numberJudgement(constraint, count, 'column count') };
  },
};
