import type { FeatureSchema } from '../algorithm.js';
import { linearScoreToOnnx } from '../linear-score-onnx.js';
import { scoreBlocks, type LogisticModel } from './logistic-model.js';

/** The model as ONNX: its linear scores, then a sigmoid (binary) or softmax (multiclass). */
export function logisticToOnnx(model: LogisticModel, schema: readonly FeatureSchema[]): Uint8Array {
  const blocks = scoreBlocks(model);
  return linearScoreToOnnx(
    {
      name: 'logistic',
      layout: model.layout,
      coefficients: model.coefficients,
      blocks,
      link: blocks === 1 ? 'sigmoid' : 'softmax',
      metadata: {},
    },
    schema,
  );
}
