import { LakeError } from '../../../errors/lake-error.js';
import type { DesignLayout } from '../design-matrix.js';
import type { KMeansModel } from './kmeans-model.js';

const FORMAT = 'lakebox.kmeans.v1';

export function serializeKMeans(model: KMeansModel): unknown {
  return {
    format: FORMAT,
    k: model.k,
    inertia: model.inertia,
    layout: model.layout,
    centroids: Array.from(model.centroids),
  };
}

export function deserializeKMeans(json: unknown): KMeansModel {
  const doc = json as {
    format?: string;
    k: number;
    inertia: number;
    layout: DesignLayout;
    centroids: number[];
  };
  if (doc?.format !== FORMAT)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Not a k-means model document (format ${String(doc?.format)}, expected ${FORMAT}).`,
    );
  return {
    k: doc.k,
    inertia: doc.inertia,
    layout: doc.layout,
    centroids: Float64Array.from(doc.centroids),
  };
}
