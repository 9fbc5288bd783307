import { LakeError } from '../../../errors/lake-error.js';
import type { FitRequest, TrainingSet } from '../algorithm.js';
import { seededRandom } from '../../features/seeded-random.js';
import type { IsolationForestParams } from './iforest-algorithm.js';
import { splitColumns } from './iforest-columns.js';
import type { IsolationForestModel, IsolationTree } from './iforest-model.js';

/**
 * Grows each tree on a seeded sample without replacement, splitting on a random feature
 * (among those not constant in the node) at a uniform threshold, up to depth log2(sample).
 */
export async function fitIsolationForest(
  data: TrainingSet,
  request: FitRequest<IsolationForestParams>,
): Promise<IsolationForestModel> {
  if (data.rows < 2)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `An isolation forest needs at least 2 rows; the training set has ${data.rows}.`,
    );
  const { trees: treeCount, maxSamples } = request.params;
  const fill = data.features.map((f) => {
    if (f.kind === 'categorical') return -1;
    let n = 0;
    let sum = 0;
    for (const v of f.values)
      if (!Number.isNaN(v)) {
        n++;
        sum += v;
      }
    return n ? sum / n : 0;
  });
  const columns = splitColumns(data, fill);
  const sampleSize = Math.min(maxSamples, data.rows);
  const heightLimit = Math.ceil(Math.log2(Math.max(sampleSize, 2)));
  const random = seededRandom(request.seed);
  const pool = Int32Array.from({ length: data.rows }, (_, i) => i);
  const trees: IsolationTree[] = [];
  for (let t = 0; t < treeCount; t++) {
    request.signal?.throwIfAborted();
    // A partial Fisher-Yates shuffle: the first sampleSize entries are the sample.
    for (let i = 0; i < sampleSize; i++) {
      const j = i + Math.floor(random() * (data.rows - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    trees.push(growTree(columns, pool.slice(0, sampleSize), heightLimit, random));
    request.onProgress?.({ step: t + 1, total: treeCount });
  }
  return { trees, sampleSize, fill };
}

function growTree(
  columns: Float64Array[],
  rows: Int32Array,
  heightLimit: number,
  random: () => number,
): IsolationTree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const size: number[] = [];
  const grow = (members: Int32Array, depth: number): number => {
    const node = feature.length;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    size.push(members.length);
    if (depth >= heightLimit || members.length <= 1) return node;
    const ranges: Array<[number, number, number]> = [];
    columns.forEach((column, j) => {
      let min = Infinity;
      let max = -Infinity;
      for (const i of members) {
        min = Math.min(min, column[i]!);
        max = Math.max(max, column[i]!);
      }
      if (max > min) ranges.push([j, min, max]);
    });
    if (ranges.length === 0) return node;
    const [j, min, max] = ranges[Math.floor(random() * ranges.length)]!;
    const cut = min + random() * (max - min);
    const column = columns[j]!;
    const below = members.filter((i) => column[i]! < cut);
    const above = members.filter((i) => column[i]! >= cut);
    feature[node] = j;
    threshold[node] = cut;
    left[node] = grow(below, depth + 1);
    right[node] = grow(above, depth + 1);
    return node;
  };
  grow(rows, 0);
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    size: Int32Array.from(size),
  };
}
