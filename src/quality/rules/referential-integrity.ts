import { quoteIdentifier } from '../../catalog/identifier.js';
import { ratioJudgement } from './judgements.js';
import { numericConstraint } from './numeric-constraint.js';
import type { RuleType } from './rule-type.js';

/**
 * `ReferentialIntegrity "customer_id" "crm.customers.id" = 1.0`: the share of non-NULL values
 * of the column found in a column of another catalog table (read at the same point in time).
 */
export const referentialIntegrity: RuleType = {
  name: 'ReferentialIntegrity',
  syntax: {
    params: ['a column name', 'the referenced DATABASE.TABLE.COLUMN'],
    constraint: 'required',
    threshold: false,
  },
  async plan(rule, context) {
    const column = quoteIdentifier(context.column(rule, rule.params[0]!).name);
    const reference = await context.referenceColumn(rule, rule.params[1]!);
    const constraint = numericConstraint(rule, context);
    const [database, table] = reference.table.split('.') as [string, string];
    const key = quoteIdentifier(reference.column.name);
    const keys = `SELECT ${key} FROM ${quoteIdentifier(database)}.${quoteIdentifier(table)} WHERE ${key} IS NOT NULL`;
    // Strict when only a perfect ratio passes, so that a gate can set the orphans aside.
    const strict =
      !constraint.negated &&
      (constraint.op === '=' || constraint.op === '>=') &&
      constraint.operand.kind === 'number' &&
      constraint.operand.value === 1;
    return {
      measures: { nonNull: `count(${column})` },
      rows: {
        failing: `(${column} IS NOT NULL AND ${column} NOT IN (${keys}))`,
        windowed: false,
        strict,
      },
      judge: (m) => {
        const nonNull = m.value('nonNull') ?? 0;
        if (nonNull === 0) return { passed: true, observed: 1, message: 'no values to look up' };
        return ratioJudgement(constraint, m, nonNull, 'share found');
      },
    };
  },
};
