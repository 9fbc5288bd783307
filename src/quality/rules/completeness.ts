import { quoteIdentifier } from '../../catalog/identifier.js';
import { ratioJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

/** `Completeness "email" > 0.95`: the share of rows whose value is not NULL. */
export const completeness: RuleType = {
  name: 'Completeness',
  syntax: { params: ['a column name'], constraint: 'required', threshold: false },
  plan(rule, context) {
    const column = quoteIdentifier(context.column(rule, rule.params[0]!).name);
    const constraint = numericConstraint(rule, context);
    return {
      rows: { failing: `(${column} IS NULL)`, windowed: false, strict: false },
      judge: (m) => ratioJudgement(constraint, m, m.rowCount, 'completeness'),
    };
  },
};
