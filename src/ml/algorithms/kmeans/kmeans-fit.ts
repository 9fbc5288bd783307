import { LakeError } from '../../../errors/lake-error.js';
import type { FitRequest, TrainingSet } from '../algorithm.js';
import { DesignMatrix, designLayout } from '../design-matrix.js';
import { seededRandom } from '../../features/seeded-random.js';
import type { KMeansParams } from './kmeans-algorithm.js';
import { CentroidDistances } from './kmeans-distance.js';
import type { KMeansModel } from './kmeans-model.js';

/** k-means++ seeding, then Lloyd's iterations; the best of `restarts` seeded runs by inertia. */
export async function fitKMeans(
  data: TrainingSet,
  request: FitRequest<KMeansParams>,
): Promise<KMeansModel> {
  const { k, maxIterations, restarts } = request.params;
  if (data.rows < k)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `k-means with k = ${k} needs at least ${k} rows; the training set has ${data.rows}.`,
    );
  const layout = designLayout(data);
  const design = new DesignMatrix(layout, data);
  const weights = data.weights ?? new Float64Array(data.rows).fill(1);
  const random = seededRandom(request.seed);
  let best: KMeansModel | undefined;
  for (let restart = 0; restart < restarts; restart++) {
    const centroids = seedCentroids(design, weights, k, random);
    const assignment = new Int32Array(data.rows).fill(-1);
    let inertia = Infinity;
    for (let iteration = 1; iteration <= maxIterations; iteration++) {
      request.signal?.throwIfAborted();
      const distances = new CentroidDistances(design, centroids, k);
      let changed = 0;
      inertia = 0;
      for (let i = 0; i < data.rows; i++) {
        const { cluster, distance } = distances.nearest(i);
        if (assignment[i] !== cluster) {
          changed++;
          assignment[i] = cluster;
        }
        inertia += weights[i]! * distance;
      }
      request.onProgress?.({
        step: restart * maxIterations + iteration,
        total: restarts * maxIterations,
        metric: { name: 'inertia', value: inertia },
      });
      if (changed === 0) break;
      recomputeCentroids(design, weights, assignment, centroids, k);
    }
    if (!best || inertia < best.inertia) best = { layout, k, centroids, inertia };
  }
  return best!;
}

function seedCentroids(
  design: DesignMatrix,
  weights: Float64Array,
  k: number,
  random: () => number,
): Float64Array {
  const width = design.layout.width;
  const centroids = new Float64Array(k * width);
  const closest = new Float64Array(design.rows).fill(Infinity);
  let chosen = Math.floor(random() * design.rows);
  for (let c = 0; c < k; c++) {
    writeRow(design, chosen, centroids, c * width);
    if (c === k - 1) break;
    const distances = new CentroidDistances(design, centroids, c + 1);
    let total = 0;
    for (let i = 0; i < design.rows; i++) {
      closest[i] = Math.min(closest[i]!, distances.distance(i, c));
      total += weights[i]! * closest[i]!;
    }
    let target = random() * total;
    chosen = design.rows - 1;
    for (let i = 0; i < design.rows; i++) {
      target -= weights[i]! * closest[i]!;
      if (target < 0) {
        chosen = i;
        break;
      }
    }
  }
  return centroids;
}

function writeRow(design: DesignMatrix, row: number, into: Float64Array, base: number): void {
  design.numeric.forEach((column, j) => (into[base + j] = column[row]!));
  for (const codes of design.codes) if (codes[row]! >= 0) into[base + codes[row]!] = 1;
}

function recomputeCentroids(
  design: DesignMatrix,
  weights: Float64Array,
  assignment: Int32Array,
  centroids: Float64Array,
  k: number,
): void {
  const width = design.layout.width;
  const sums = new Float64Array(k * width);
  const mass = new Float64Array(k);
  for (let i = 0; i < design.rows; i++) {
    const c = assignment[i]!;
    const w = weights[i]!;
    mass[c]! += w;
    design.numeric.forEach((column, j) => (sums[c * width + j]! += w * column[i]!));
    for (const codes of design.codes) if (codes[i]! >= 0) sums[c * width + codes[i]!]! += w;
  }
  for (let c = 0; c < k; c++) {
    // An empty cluster keeps its centroid rather than becoming NaN.
    if (mass[c]! === 0) continue;
    for (let j = 0; j < width; j++) centroids[c * width + j] = sums[c * width + j]! / mass[c]!;
  }
}
