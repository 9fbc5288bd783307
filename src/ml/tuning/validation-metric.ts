import type { ProblemType } from '../algorithms/algorithm.js';

/** The metric tuning and AutoML rank trials by, on the validation rows. */
export interface ValidationMetric {
  readonly name: string;
  /** True when a larger value is better. */
  readonly higherIsBetter: boolean;
}

/**
 * Log loss for classification and RMSE for regression: proper scores, defined on every
 * validation set (AUC is not with one class), and what early stopping watches too.
 */
export const VALIDATION_METRIC: Record<ProblemType, ValidationMetric | undefined> = {
  binary: { name: 'logloss', higherIsBetter: false },
  multiclass: { name: 'logloss', higherIsBetter: false },
  regression: { name: 'rmse', higherIsBetter: false },
  clustering: undefined,
  anomaly: undefined,
};

/** Whether score `a` beats `b` under `metric`. */
export function beats(metric: ValidationMetric, a: number, b: number): boolean {
  return metric.higherIsBetter ? a > b : a < b;
}
