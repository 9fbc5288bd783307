import { LakeError } from '../../../errors/lake-error.js';
import type { DesignLayout } from '../design-matrix.js';
import type { LinearModel } from './linear-model.js';

const FORMAT = 'lakebox.linear.v1';

export function serializeLinear(model: LinearModel): unknown {
  return { format: FORMAT, layout: model.layout, coefficients: Array.from(model.coefficients) };
}

export function deserializeLinear(json: unknown): LinearModel {
  const doc = json as { format?: string; layout: DesignLayout; coefficients: number[] };
  if (doc?.format !== FORMAT)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Not a linear model document (format ${String(doc?.format)}, expected ${FORMAT}).`,
    );
  return { layout: doc.layout, coefficients: Float64Array.from(doc.coefficients) };
}
