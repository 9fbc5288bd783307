import type { Constraint, SimpleRule } from '../language/rule-ast.js';
import { constraintOperands } from '../constraints/constraint-holds.js';
import type { PlanContext } from './rule-type.js';

/**
 * The constraint of a rule that judges one observed number: every operand must be a plain
 * number (no string, NULL or time unit), and `matches` makes no sense.
 *
 * @throws LakeError INVALID_ARGUMENT pointing at the rule.
 */
export function numericConstraint(
  rule: SimpleRule,
  context: PlanContext,
  constraint: Constraint | undefined = rule.constraint,
): Constraint {
  if (!constraint) throw context.invalid(rule, `${rule.type} needs an expression such as > 0.`);
  if (constraint.op === 'matches')
    throw context.invalid(rule, `${rule.type} compares a number; matches applies to ColumnValues.`);
  for (const operand of constraintOperands(constraint)) {
    if (operand.kind !== 'number' || operand.unit) {
      throw context.invalid(
        rule,
        `${rule.type} compares a number; write plain numbers in its expression.`,
      );
    }
  }
  return constraint;
}

/** `0.9312` → `0.9312`; keeps messages short without hiding small differences. */
export function formatObserved(value: number | null): string {
  if (value === null) return 'nothing';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}
