import { LakeError } from '../../../errors/lake-error.js';
import type { FitRequest, TrainingSet } from '../algorithm.js';
import { DesignMatrix, designLayout } from '../design-matrix.js';
import { minimizeLbfgs } from '../lbfgs.js';
import type { LogisticParams } from './logistic-algorithm.js';
import { scoreBlocks, type LogisticModel } from './logistic-model.js';

/**
 * Minimises the weighted log loss plus `l2 / 2 * |w|²` (intercepts unpenalised) with
 * L-BFGS: the objective of scikit-learn's LogisticRegression with C = 1 / l2, binary or
 * multinomial.
 */
export async function fitLogistic(
  data: TrainingSet,
  request: FitRequest<LogisticParams>,
): Promise<LogisticModel> {
  if (!data.target)
    throw new LakeError('INVALID_ARGUMENT', 'Logistic regression needs a target column.');
  if (data.rows === 0)
    throw new LakeError('INVALID_ARGUMENT', 'No rows to train on: the training set is empty.');
  const classes = request.classes?.length ?? 2;
  const layout = designLayout(data);
  const design = new DesignMatrix(layout, data);
  const stride = layout.width + 1;
  const blocks = scoreBlocks({ classes });
  const target = data.target;
  const weights = data.weights ?? new Float64Array(data.rows).fill(1);
  const { l2, maxIterations, tolerance } = request.params;
  const scores = Array.from({ length: blocks }, () => new Float64Array(data.rows));
  const residuals = Array.from({ length: blocks }, () => new Float64Array(data.rows));

  const objective = (x: Float64Array, grad: Float64Array): number => {
    request.signal?.throwIfAborted();
    grad.fill(0);
    for (let k = 0; k < blocks; k++) design.multiply(x, k * stride + 1, x[k * stride]!, scores[k]!);
    let loss = 0;
    if (blocks === 1) {
      const z = scores[0]!;
      const r = residuals[0]!;
      for (let i = 0; i < data.rows; i++) {
        const zi = z[i]!;
        const yi = target[i]!;
        const w = weights[i]!;
        // One exp per row serves the loss and the sigmoid: e = exp(-|z|).
        const e = Math.exp(-Math.abs(zi));
        loss += w * (Math.max(zi, 0) + Math.log1p(e) - yi * zi);
        r[i] = w * ((zi >= 0 ? 1 : e) / (1 + e) - yi);
      }
    } else {
      for (let i = 0; i < data.rows; i++) {
        let max = -Infinity;
        for (let k = 0; k < blocks; k++) max = Math.max(max, scores[k]![i]!);
        let sum = 0;
        for (let k = 0; k < blocks; k++) sum += Math.exp(scores[k]![i]! - max);
        const logSum = max + Math.log(sum);
        const yi = target[i]!;
        const w = weights[i]!;
        loss += w * (logSum - scores[yi]![i]!);
        for (let k = 0; k < blocks; k++)
          residuals[k]![i] = w * (Math.exp(scores[k]![i]! - logSum) - (k === yi ? 1 : 0));
      }
    }
    for (let k = 0; k < blocks; k++) {
      const r = residuals[k]!;
      let sum = 0;
      for (let i = 0; i < data.rows; i++) sum += r[i]!;
      grad[k * stride] = sum;
      design.multiplyTransposed(r, grad, k * stride + 1);
      for (let j = 1; j < stride; j++) {
        const wj = x[k * stride + j]!;
        loss += 0.5 * l2 * wj * wj;
        grad[k * stride + j]! += l2 * wj;
      }
    }
    return loss;
  };

  const result = minimizeLbfgs(objective, new Float64Array(blocks * stride), {
    maxIterations,
    gradientTolerance: tolerance,
    onIteration: (step, value) =>
      request.onProgress?.({ step, total: maxIterations, metric: { name: 'objective', value } }),
  });
  return { layout, classes, coefficients: result.x };
}
