import { quoteIdentifier } from '../../catalog/identifier.js';
import { duplicateRowsSql } from './duplicate-rows.js';
import { ratioJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

/**
 * `Uniqueness "email" > 0.99`: the share of non-NULL rows whose value occurs exactly once
 * (Deequ's and Glue's definition); NULL rows are left out of the ratio.
 */
export const uniqueness: RuleType = {
  name: 'Uniqueness',
  syntax: { params: ['a column name'], constraint: 'required', threshold: false },
  plan(rule, context) {
    const column = quoteIdentifier(context.column(rule, rule.params[0]!).name);
    const constraint = numericConstraint(rule, context);
    return {
      measures: { nonNull: `count(${column})` },
      rows: {
        failing: `(${column} IS NOT NULL AND count(*) OVER (PARTITION BY ${column}) > 1)`,
        windowed: true,
        strict: false,
        failingCount: duplicateRowsSql([column], `${column} IS NOT NULL`),
      },
      judge: (m) => ratioJudgement(constraint, m, m.value('nonNull') ?? 0, 'uniqueness'),
    };
  },
};
