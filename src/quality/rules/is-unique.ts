import { quoteIdentifier } from '../../catalog/identifier.js';
import { strictJudgement } from './judgements.js';
import type { RuleType } from './rule-type.js';
import { duplicateRowsSql } from './duplicate-rows.js';

/**
 * `IsUnique "id"`: no non-NULL value occurs twice. NULLs are not values, so they never count
 * as duplicates (as in a SQL UNIQUE constraint); IsPrimaryKey also refuses them.
 */
export const isUnique: RuleType = {
  name: 'IsUnique',
  syntax: { params: ['a column name'], constraint: 'none', threshold: false },
  plan(rule, context) {
    const column = quoteIdentifier(context.column(rule, rule.params[0]!).name);
    return {
      rows: {
        failing: `(${column} IS NOT NULL AND count(*) OVER (PARTITION BY ${column}) > 1)`,
        windowed: true,
        strict: true,
        failingCount: duplicateRowsSql([column], `${column} IS NOT NULL`),
      },
      judge: strictJudgement,
    };
  },
};
