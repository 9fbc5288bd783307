import type { FeatureFrame, Predictions } from '../algorithm.js';
import { DesignMatrix } from '../design-matrix.js';
import { CentroidDistances } from './kmeans-distance.js';
import type { KMeansModel } from './kmeans-model.js';

/** The index of each row's nearest centroid. */
export function predictKMeans(model: KMeansModel, frame: FeatureFrame): Predictions {
  const distances = new CentroidDistances(
    new DesignMatrix(model.layout, frame),
    model.centroids,
    model.k,
  );
  const values = new Float64Array(frame.rows);
  for (let i = 0; i < frame.rows; i++) values[i] = distances.nearest(i).cluster;
  return { values, width: 1 };
}
