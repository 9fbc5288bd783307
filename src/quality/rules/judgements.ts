import { constraintHolds } from '../constraints/constraint-holds.js';
import type { Constraint } from '../language/rule-ast.js';
import { formatObserved } from './numeric-constraint.js';
import type { Judgement, Measured } from './rule-type.js';

/** A rule on one observed number: passes when the number satisfies the constraint. */
export function numberJudgement(
  constraint: Constraint,
  observed: number | null,
  what: string,
): Judgement {
  const passed = constraintHolds(constraint, observed);
  return {
    passed,
    observed,
    message: `${what} ${formatObserved(observed)}${passed ? '' : ', which does not satisfy the rule'}`,
  };
}

/** A strict row-level rule: passes when no row fails; observes the share of rows that pass. */
export function strictJudgement(measured: Measured): Judgement {
  const failing = measured.failingRows ?? 0;
  const rows = measured.rowCount;
  return {
    passed: failing === 0,
    observed: rows === 0 ? 1 : (rows - failing) / rows,
    message: failing === 0 ? `all ${rows} row(s) pass` : `${failing} of ${rows} row(s) fail`,
  };
}

/**
 * A ratio rule (Completeness > 0.95): the share of `denominator` rows that pass, judged by the
 * constraint. With no rows to measure there is no ratio, and the rule fails.
 */
export function ratioJudgement(
  constraint: Constraint,
  measured: Measured,
  denominator = measured.rowCount,
  what = 'ratio',
): Judgement {
  const failing = measured.failingRows ?? 0;
  if (denominator === 0) return { passed: false, observed: null, message: 'no rows to measure' };
  const judgement = numberJudgement(constraint, (denominator - failing) / denominator, what);
  return {
    ...judgement,
    message: `${judgement.message} (${failing} of ${denominator} row(s) fail)`,
  };
}
