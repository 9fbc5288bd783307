/**
 * Logistic regression with L2 regularisation, binary and multinomial, on standardised
 * numbers and one-hot categoricals, fitted by L-BFGS. Hand-written: no maintained
 * JavaScript library fits regularised logistic regression over typed columns (ml.js's
 * logistic regression is unregularised gradient descent over row arrays).
 */
import type { Algorithm } from '../algorithm.js';
import { numberParams } from '../algorithm-params.js';
import { linearImportance } from '../design-matrix.js';
import { fitLogistic } from './logistic-fit.js';
import { logisticToOnnx } from './logistic-onnx.js';
import { scoreBlocks, type LogisticModel } from './logistic-model.js';
import { predictLogistic } from './logistic-predict.js';
import { deserializeLogistic, serializeLogistic } from './logistic-serialize.js';

export interface LogisticParams {
  /** L2 penalty on the coefficients (scikit-learn's 1 / C). */
  readonly l2: number;
  readonly maxIterations: number;
  /** Gradient tolerance, relative to the objective. */
  readonly tolerance: number;
}

export const logisticRegression: Algorithm<LogisticParams, LogisticModel> = {
  name: 'logistic',
  problems: ['binary', 'multiclass'],
  params: (given) =>
    numberParams(
      'logistic',
      {
        l2: { default: 1, min: 0, max: 1e12 },
        maxIterations: { default: 200, min: 1, max: 100_000, integer: true },
        tolerance: { default: 1e-6, min: 0, max: 1 },
      },
      given,
    ),
  fit: fitLogistic,
  predict: predictLogistic,
  serialize: serializeLogistic,
  deserialize: deserializeLogistic,
  toOnnx: logisticToOnnx,
  importance(model) {
    const into: Record<string, number> = {};
    const stride = model.layout.width + 1;
    for (let k = 0; k < scoreBlocks(model); k++)
      linearImportance(model.layout, model.coefficients, k * stride + 1, into);
    return into;
  },
};
