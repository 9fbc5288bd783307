import type { FeatureSchema } from '../algorithm.js';
import { linearScoreToOnnx } from '../linear-score-onnx.js';
import type { LinearModel } from './linear-model.js';

/** The model as ONNX: one linear score, the prediction itself. */
export function linearToOnnx(model: LinearModel, schema: readonly FeatureSchema[]): Uint8Array {
  return linearScoreToOnnx(
    {
      name: 'linear',
      layout: model.layout,
      coefficients: model.coefficients,
      blocks: 1,
      link: 'identity',
      metadata: {},
    },
    schema,
  );
}
