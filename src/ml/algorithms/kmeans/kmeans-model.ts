import type { DesignLayout } from '../design-matrix.js';

/** Fitted k-means: `k` centroids of `layout.width` encoded columns each, row-major. */
export interface KMeansModel {
  readonly layout: DesignLayout;
  readonly k: number;
  readonly centroids: Float64Array;
  /** Sum of squared distances of training rows to their centroid. */
  readonly inertia: number;
}
