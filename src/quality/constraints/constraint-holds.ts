import type { Constraint, Operand } from '../language/rule-ast.js';

/**
 * Whether an observed number (a row count, a ratio, a mean) satisfies the constraint. The
 * planner has already refused constraints with non-numeric operands for such rules.
 * `between` includes both ends, as SQL's does.
 */
export function constraintHolds(constraint: Constraint, observed: number | null): boolean {
  if (observed === null || Number.isNaN(observed)) return false;
  const holds = positiveHolds(constraint, observed);
  return constraint.negated ? !holds : holds;
}

function positiveHolds(constraint: Constraint, x: number): boolean {
  switch (constraint.op) {
    case 'between':
      return x >= num(constraint.low) && x <= num(constraint.high);
    case 'in':
      return constraint.operands.some((o) => num(o) === x);
    case 'matches':
      return false;
    case '=':
      return x === num(constraint.operand);
    case '!=':
      return x !== num(constraint.operand);
    case '>':
      return x > num(constraint.operand);
    case '>=':
      return x >= num(constraint.operand);
    case '<':
      return x < num(constraint.operand);
    case '<=':
      return x <= num(constraint.operand);
  }
}

function num(operand: Operand): number {
  return operand.kind === 'number' ? operand.value : Number.NaN;
}

/** The operands a constraint uses, to check their kinds before evaluation. */
export function constraintOperands(constraint: Constraint): Operand[] {
  switch (constraint.op) {
    case 'between':
      return [constraint.low, constraint.high];
    case 'in':
      return constraint.operands;
    case 'matches':
      return [];
    default:
      return [constraint.operand];
  }
}
