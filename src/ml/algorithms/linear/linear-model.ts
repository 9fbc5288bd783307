import type { DesignLayout } from '../design-matrix.js';

/** A fitted linear regression: the intercept, then coefficients in standardised space. */
export interface LinearModel {
  readonly layout: DesignLayout;
  readonly coefficients: Float64Array;
}
