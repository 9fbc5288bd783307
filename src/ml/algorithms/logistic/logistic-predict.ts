import type { FeatureFrame, Predictions } from '../algorithm.js';
import { DesignMatrix } from '../design-matrix.js';
import { scoreBlocks, type LogisticModel } from './logistic-model.js';

/** P(class 1) for binary models; softmax probabilities, row-major, for multiclass. */
export function predictLogistic(model: LogisticModel, frame: FeatureFrame): Predictions {
  const design = new DesignMatrix(model.layout, frame);
  const stride = model.layout.width + 1;
  const blocks = scoreBlocks(model);
  const scores = Array.from({ length: blocks }, (_, k) => {
    const out = new Float64Array(frame.rows);
    design.multiply(model.coefficients, k * stride + 1, model.coefficients[k * stride]!, out);
    return out;
  });
  if (blocks === 1) {
    const z = scores[0]!;
    for (let i = 0; i < frame.rows; i++) z[i] = 1 / (1 + Math.exp(-z[i]!));
    return { values: z, width: 1 };
  }
  const values = new Float64Array(frame.rows * blocks);
  for (let i = 0; i < frame.rows; i++) {
    let max = -Infinity;
    for (let k = 0; k < blocks; k++) max = Math.max(max, scores[k]![i]!);
    let sum = 0;
    for (let k = 0; k < blocks; k++) sum += values[i * blocks + k] = Math.exp(scores[k]![i]! - max);
    for (let k = 0; k < blocks; k++) values[i * blocks + k]! /= sum;
  }
  return { values, width: blocks };
}
