import { LakeError } from '../../../errors/lake-error.js';
import type { IsolationForestModel } from './iforest-model.js';

const FORMAT = 'lakebox.iforest.v1';

export function serializeIsolationForest(model: IsolationForestModel): unknown {
  return {
    format: FORMAT,
    sampleSize: model.sampleSize,
    fill: [...model.fill],
    trees: model.trees.map((t) => ({
      feature: Array.from(t.feature),
      threshold: Array.from(t.threshold),
      left: Array.from(t.left),
      right: Array.from(t.right),
      size: Array.from(t.size),
    })),
  };
}

export function deserializeIsolationForest(json: unknown): IsolationForestModel {
  const doc = json as {
    format?: string;
    sampleSize: number;
    fill: number[];
    trees: Array<Record<'feature' | 'threshold' | 'left' | 'right' | 'size', number[]>>;
  };
  if (doc?.format !== FORMAT)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Not an isolation forest document (format ${String(doc?.format)}, expected ${FORMAT}).`,
    );
  return {
    sampleSize: doc.sampleSize,
    fill: doc.fill,
    trees: doc.trees.map((t) => ({
      feature: Int32Array.from(t.feature),
      threshold: Float64Array.from(t.threshold),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      size: Int32Array.from(t.size),
    })),
  };
}
