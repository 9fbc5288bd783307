import { LakeError } from '../../../errors/lake-error.js';
import type { DesignLayout } from '../design-matrix.js';
import type { LogisticModel } from './logistic-model.js';

const FORMAT = 'lakebox.logistic.v1';

export function serializeLogistic(model: LogisticModel): unknown {
  return {
    format: FORMAT,
    classes: model.classes,
    layout: model.layout,
    coefficients: Array.from(model.coefficients),
  };
}

export function deserializeLogistic(json: unknown): LogisticModel {
  const doc = json as {
    format?: string;
    classes: number;
    layout: DesignLayout;
    coefficients: number[];
  };
  if (doc?.format !== FORMAT)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Not a logistic model document (format ${String(doc?.format)}, expected ${FORMAT}).`,
    );
  return {
    classes: doc.classes,
    layout: doc.layout,
    coefficients: Float64Array.from(doc.coefficients),
  };
}
