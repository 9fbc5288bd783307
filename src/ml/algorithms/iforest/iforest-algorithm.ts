/**
 * Isolation forest (Liu, Ting and Zhou) for anomaly scores. Hand-written: no maintained
 * JavaScript package implements it over typed columns (the few on npm are unmaintained
 * and take row arrays).
 */
import type { Algorithm } from '../algorithm.js';
import { numberParams } from '../algorithm-params.js';
import { fitIsolationForest } from './iforest-fit.js';
import type { IsolationForestModel } from './iforest-model.js';
import { predictIsolationForest } from './iforest-predict.js';
import { deserializeIsolationForest, serializeIsolationForest } from './iforest-serialize.js';

export interface IsolationForestParams {
  readonly trees: number;
  /** Rows each tree is grown on (256 in the paper and in scikit-learn). */
  readonly maxSamples: number;
}

export const isolationForest: Algorithm<IsolationForestParams, IsolationForestModel> = {
  name: 'iforest',
  problems: ['anomaly'],
  params: (given) =>
    numberParams(
      'iforest',
      {
        trees: { default: 100, min: 1, max: 10_000, integer: true },
        maxSamples: { default: 256, min: 2, max: 10_000_000, integer: true },
      },
      given,
    ),
  fit: fitIsolationForest,
  predict: predictIsolationForest,
  serialize: serializeIsolationForest,
  deserialize: deserializeIsolationForest,
};
