import type { FeatureFrame, Predictions } from '../algorithm.js';
import { DesignMatrix } from '../design-matrix.js';
import type { LinearModel } from './linear-model.js';

export function predictLinear(model: LinearModel, frame: FeatureFrame): Predictions {
  const values = new Float64Array(frame.rows);
  new DesignMatrix(model.layout, frame).multiply(
    model.coefficients,
    1,
    model.coefficients[0]!,
    values,
  );
  return { values, width: 1 };
}
