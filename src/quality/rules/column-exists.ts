import type { RuleType } from './rule-type.js';

/** `ColumnExists "email"`: the data has the column (matched case-insensitively, as SQL does). */
export const columnExists: RuleType = {
  name: 'ColumnExists',
  syntax: { params: ['a column name'], constraint: 'none', threshold: false },
  plan(rule, context) {
    const name = rule.params[0]!;
    const exists = context.columns.some((c) => c.name.toLowerCase() === name.toLowerCase());
    return {
      judge: () => ({
        passed: exists,
        observed: exists ? 1 : 0,
        message: exists
          ? `${context.target} has ${name}`
          : `${context.target} has no column ${name}`,
      }),
    };
  },
};
