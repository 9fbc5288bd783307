import { quoteIdentifier } from '../../catalog/identifier.js';
import { strictJudgement } from './judgements.js';
import type { RuleType } from './rule-type.js';

/** `IsComplete "email"`: no row has a NULL in the column. */
export const isComplete: RuleType = {
  name: 'IsComplete',
  syntax: { params: ['a column name'], constraint: 'none', threshold: false },
  plan(rule, context) {
    const column = quoteIdentifier(context.column(rule, rule.params[0]!).name);
    return {
      rows: { failing: `(${column} IS NULL)`, windowed: false, strict: true },
      judge: strictJudgement,
    };
  },
};
