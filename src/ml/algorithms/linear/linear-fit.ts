import { LakeError } from '../../../errors/lake-error.js';
import type { FitRequest, TrainingSet } from '../algorithm.js';
import { DesignMatrix, designLayout } from '../design-matrix.js';
import type { LinearParams } from './linear-algorithm.js';
import type { LinearModel } from './linear-model.js';

/**
 * Ridge regression: minimises sum_i s_i (y_i - b - x_i·w)² + l2 |w|² (scikit-learn's Ridge
 * with alpha = l2) by conjugate gradients on the normal equations, never forming XᵀX, so
 * thousands of one-hot columns cost memory proportional to the data, not its square.
 */
export async function fitLinear(
  data: TrainingSet,
  request: FitRequest<LinearParams>,
): Promise<LinearModel> {
  if (!data.target)
    throw new LakeError('INVALID_ARGUMENT', 'Linear regression needs a target column.');
  if (data.rows === 0)
    throw new LakeError('INVALID_ARGUMENT', 'No rows to train on: the training set is empty.');
  const layout = designLayout(data);
  const design = new DesignMatrix(layout, data);
  const n = layout.width + 1;
  const weights = data.weights ?? new Float64Array(data.rows).fill(1);
  const { l2, maxIterations, tolerance } = request.params;
  const rowScratch = new Float64Array(data.rows);

  const apply = (v: Float64Array, out: Float64Array): void => {
    design.multiply(v, 1, v[0]!, rowScratch);
    for (let i = 0; i < data.rows; i++) rowScratch[i]! *= weights[i]!;
    out.fill(0);
    let sum = 0;
    for (let i = 0; i < data.rows; i++) sum += rowScratch[i]!;
    out[0] = sum;
    design.multiplyTransposed(rowScratch, out, 1);
    for (let j = 1; j < n; j++) out[j]! += l2 * v[j]!;
  };

  const b = new Float64Array(n);
  const wy = new Float64Array(data.rows);
  let ySum = 0;
  for (let i = 0; i < data.rows; i++) ySum += wy[i] = weights[i]! * data.target[i]!;
  b[0] = ySum;
  design.multiplyTransposed(wy, b, 1);

  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(r);
  const ap = new Float64Array(n);
  let rr = dot(r, r);
  const stop = tolerance * tolerance * Math.max(dot(b, b), 1e-300);
  for (let step = 1; step <= maxIterations && rr > stop; step++) {
    request.signal?.throwIfAborted();
    apply(p, ap);
    const alpha = rr / dot(p, ap);
    for (let j = 0; j < n; j++) {
      x[j]! += alpha * p[j]!;
      r[j]! -= alpha * ap[j]!;
    }
    const next = dot(r, r);
    for (let j = 0; j < n; j++) p[j] = r[j]! + (next / rr) * p[j]!;
    rr = next;
    request.onProgress?.({
      step,
      total: maxIterations,
      metric: { name: 'residual', value: Math.sqrt(rr / Math.max(dot(b, b), 1e-300)) },
    });
  }
  return { layout, coefficients: x };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
