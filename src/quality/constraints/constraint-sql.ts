import { quoteLiteral } from '../../catalog/identifier.js';
import type { Constraint, Operand } from '../language/rule-ast.js';

const SECONDS: Record<string, number> = { minutes: 60, hours: 3600, days: 86_400 };

/**
 * The SQL boolean that is true when `value` (a SQL expression, evaluated per row) satisfies
 * the constraint. NULL (not false) comes out for a NULL value unless the constraint names
 * NULL, so callers take `IS NOT TRUE` as failing: a missing value fails, as in DQDL.
 * Durations (`24 hours`) become seconds; `matches` is a full-string match, as in Glue.
 */
export function constraintSql(constraint: Constraint, value: string): string {
  const sql = positiveSql(constraint, value);
  return constraint.negated ? `(NOT ${sql})` : sql;
}

function positiveSql(constraint: Constraint, value: string): string {
  switch (constraint.op) {
    case 'between':
      return `(${value} BETWEEN ${operandSql(constraint.low)} AND ${operandSql(constraint.high)})`;
    case 'matches':
      return `regexp_full_match(CAST(${value} AS VARCHAR), ${quoteLiteral(constraint.pattern)})`;
    case 'in': {
      const plain = constraint.operands.filter((o) => o.kind === 'number' || o.kind === 'string');
      const tests = constraint.operands
        .filter((o) => o.kind !== 'number' && o.kind !== 'string')
        .map((o) => keywordTest(o, value));
      if (plain.length > 0) tests.unshift(`${value} IN (${plain.map(operandSql).join(', ')})`);
      return `(${tests.join(' OR ')})`;
    }
    default: {
      const { operand, op } = constraint;
      if (operand.kind === 'number' || operand.kind === 'string')
        return `(${value} ${op === '!=' ? '<>' : op} ${operandSql(operand)})`;
      if (op !== '=' && op !== '!=') return `(${value} ${op} NULL)`;
      const test = keywordTest(operand, value);
      return op === '=' ? test : `(NOT ${test})`;
    }
  }
}

/** NULL, EMPTY and WHITESPACES_ONLY are tests, not values: each is true or false, never NULL. */
function keywordTest(operand: Operand, value: string): string {
  switch (operand.kind) {
    case 'null':
      return `(${value} IS NULL)`;
    case 'empty':
      return `coalesce(CAST(${value} AS VARCHAR) = '', false)`;
    default:
      return `coalesce(length(CAST(${value} AS VARCHAR)) > 0 AND trim(CAST(${value} AS VARCHAR)) = '', false)`;
  }
}

function operandSql(operand: Operand): string {
  switch (operand.kind) {
    case 'number':
      return String(operand.unit ? operand.value * SECONDS[operand.unit]! : operand.value);
    case 'string':
      return quoteLiteral(operand.value);
    default:
      return 'NULL';
  }
}
