import { quoteIdentifier } from '../../catalog/identifier.js';
import { duplicateRowsSql } from './duplicate-rows.js';
import { strictJudgement } from './judgements.js';
import type { RuleType } from './rule-type.js';

/** `IsPrimaryKey "id"` or `IsPrimaryKey "order_id" "line"`: complete, and unique together. */
export const isPrimaryKey: RuleType = {
  name: 'IsPrimaryKey',
  syntax: {
    params: ['a column name'],
    repeatLastParam: true,
    constraint: 'none',
    threshold: false,
  },
  plan(rule, context) {
    const columns = rule.params.map((name) => quoteIdentifier(context.column(rule, name).name));
    const incomplete = columns.map((c) => `${c} IS NULL`).join(' OR ');
    return {
      rows: {
        failing: `((${incomplete}) OR count(*) OVER (PARTITION BY ${columns.join(', ')}) > 1)`,
        windowed: true,
        strict: true,
        failingCount: `(count(*) FILTER (WHERE ${incomplete}) + ${duplicateRowsSql(columns, `NOT (${incomplete})`)})`,
      },
      judge: strictJudgement,
    };
  },
};
