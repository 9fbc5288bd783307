import { LakeError } from '../../../errors/lake-error.js';
import type { FitRequest, TrainingSet } from '../algorithm.js';
import { DesignMatrix, designLayout } from '../design-matrix.js';
import { distinctRows } from '../distinct-rows.js';
import { takeRows } from '../../features/split-rows.js';
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
  const stride = layout.width + 1;
  const blocks = scoreBlocks({ classes });
  // Passes go over distinct rows, each with its total weight and its weight per label: the
  // same objective (see distinct-rows.ts), in fewer passes when rows repeat.
  const distinct = distinctRows(data);
  const design = new DesignMatrix(layout, takeRows(data, distinct.representatives));
  const groups = distinct.groups;
  const total = new Float64Array(groups);
  const labelled = Array.from({ length: blocks }, () => new Float64Array(groups));
  for (let i = 0; i < data.rows; i++) {
    const g = distinct.groupOf[i]!;
    const w = data.weights ? data.weights[i]! : 1;
    total[g]! += w;
    const y = data.target[i]!;
    if (blocks === 1) labelled[0]![g]! += w * y;
    else labelled[y]![g]! += w;
  }
  const { l2, maxIterations, tolerance } = request.params;
  const scores = Array.from({ length: blocks }, () => new Float64Array(groups));
  const residuals = Array.from({ length: blocks }, () => new Float64Array(groups));

  const objective = (x: Float64Array, grad: Float64Array): number => {
    request.signal?.throwIfAborted();
    grad.fill(0);
    for (let k = 0; k < blocks; k++) design.multiply(x, k * stride + 1, x[k * stride]!, scores[k]!);
    let loss = 0;
    if (blocks === 1) {
      const z = scores[0]!;
      const r = residuals[0]!;
      const positive = labelled[0]!;
      for (let g = 0; g < groups; g++) {
        const zg = z[g]!;
        const w = total[g]!;
        // One exp per group serves the loss and the sigmoid: e = exp(-|z|).
        const e = Math.exp(-Math.abs(zg));
        loss += w * (Math.max(zg, 0) + Math.log1p(e)) - positive[g]! * zg;
        r[g] = (w * (zg >= 0 ? 1 : e)) / (1 + e) - positive[g]!;
      }
    } else {
      for (let g = 0; g < groups; g++) {
        let max = -Infinity;
        for (let k = 0; k < blocks; k++) max = Math.max(max, scores[k]![g]!);
        let sum = 0;
        for (let k = 0; k < blocks; k++) sum += Math.exp(scores[k]![g]! - max);
        const logSum = max + Math.log(sum);
        const w = total[g]!;
        loss += w * logSum;
        for (let k = 0; k < blocks; k++) {
          loss -= labelled[k]![g]! * scores[k]![g]!;
          residuals[k]![g] = w * Math.exp(scores[k]![g]! - logSum) - labelled[k]![g]!;
        }
      }
    }
    for (let k = 0; k < blocks; k++) {
      const r = residuals[k]!;
      let sum = 0;
      for (let g = 0; g < groups; g++) sum += r[g]!;
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
