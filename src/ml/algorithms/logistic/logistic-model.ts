import type { DesignLayout } from '../design-matrix.js';

/**
 * A fitted logistic regression. Coefficients are in standardised space, one block of
 * `width + 1` per score (intercept first): one block for binary, one per class for
 * multiclass (softmax).
 */
export interface LogisticModel {
  readonly layout: DesignLayout;
  readonly classes: number;
  readonly coefficients: Float64Array;
}

export function scoreBlocks(model: { classes: number }): number {
  return model.classes === 2 ? 1 : model.classes;
}
