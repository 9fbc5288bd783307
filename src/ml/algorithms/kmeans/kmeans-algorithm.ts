/**
 * k-means clustering with k-means++ seeding (seeded, so the same seed gives the same
 * clusters) over standardised numbers and one-hot categoricals. Hand-written: the JavaScript
 * k-means packages (ml-kmeans and others) take arrays of row arrays and are not seedable
 * with weights, so they would force the row objects the seam exists to avoid.
 */
import type { Algorithm } from '../algorithm.js';
import { numberParams } from '../algorithm-params.js';
import { fitKMeans } from './kmeans-fit.js';
import type { KMeansModel } from './kmeans-model.js';
import { predictKMeans } from './kmeans-predict.js';
import { deserializeKMeans, serializeKMeans } from './kmeans-serialize.js';

export interface KMeansParams {
  readonly k: number;
  readonly maxIterations: number;
  /** Seeded restarts; the one with the lowest inertia is kept. */
  readonly restarts: number;
}

export const kMeans: Algorithm<KMeansParams, KMeansModel> = {
  name: 'kmeans',
  problems: ['clustering'],
  params: (given) =>
    numberParams(
      'kmeans',
      {
        k: { default: 8, min: 1, max: 10_000, integer: true },
        maxIterations: { default: 300, min: 1, max: 100_000, integer: true },
        restarts: { default: 3, min: 1, max: 1000, integer: true },
      },
      given,
    ),
  fit: fitKMeans,
  predict: predictKMeans,
  serialize: serializeKMeans,
  deserialize: deserializeKMeans,
};
