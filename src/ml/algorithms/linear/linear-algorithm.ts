/**
 * Linear regression with L2 regularisation (ridge) on standardised numbers and one-hot
 * categoricals, solved by conjugate gradients. Hand-written: no maintained JavaScript
 * library fits weighted ridge regression over typed columns with sparse categoricals.
 */
import type { Algorithm } from '../algorithm.js';
import { numberParams } from '../algorithm-params.js';
import { linearImportance } from '../design-matrix.js';
import { fitLinear } from './linear-fit.js';
import { linearToOnnx } from './linear-onnx.js';
import type { LinearModel } from './linear-model.js';
import { predictLinear } from './linear-predict.js';
import { deserializeLinear, serializeLinear } from './linear-serialize.js';

export interface LinearParams {
  /** L2 penalty (scikit-learn Ridge's alpha); 0 is ordinary least squares. */
  readonly l2: number;
  readonly maxIterations: number;
  /** Relative residual at which conjugate gradients stop. */
  readonly tolerance: number;
}

export const linearRegression: Algorithm<LinearParams, LinearModel> = {
  name: 'linear',
  problems: ['regression'],
  params: (given) =>
    numberParams(
      'linear',
      {
        l2: { default: 1, min: 0, max: 1e12 },
        maxIterations: { default: 1000, min: 1, max: 1_000_000, integer: true },
        tolerance: { default: 1e-10, min: 0, max: 1 },
      },
      given,
    ),
  fit: fitLinear,
  predict: predictLinear,
  serialize: serializeLinear,
  deserialize: deserializeLinear,
  toOnnx: linearToOnnx,
  importance(model) {
    const into: Record<string, number> = {};
    linearImportance(model.layout, model.coefficients, 1, into);
    return into;
  },
};
