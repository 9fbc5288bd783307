import type { Feature, FeatureFrame, TrainingSet } from '../algorithms/algorithm.js';
import type { SplitSpec } from './feature-spec.js';
import { seededRandom } from './seeded-random.js';

export interface SplitSets {
  readonly train: TrainingSet;
  readonly validation: TrainingSet;
  readonly test: TrainingSet;
}

/**
 * Divides rows into training, validation and test sets. `random` draws each row's set from
 * a generator seeded with `seed`, so the same rows in the same order always split the same
 * way; `time` sorts by the time column (ties by row order) and keeps the latest rows for
 * validation and test, so no model is scored on the past it was trained on.
 */
export function splitRows(
  data: TrainingSet,
  spec: SplitSpec,
  seed: number,
  time?: Float64Array,
): SplitSets {
  const validation = spec.validation ?? 0.1;
  const test = spec.test ?? 0.2;
  const sets: number[][] = [[], [], []];
  if (spec.method === 'time') {
    const order = Array.from({ length: data.rows }, (_, i) => i);
    order.sort((a, b) => time![a]! - time![b]! || a - b);
    const trainEnd = Math.round(data.rows * (1 - validation - test));
    const validationEnd = Math.round(data.rows * (1 - test));
    order.forEach((row, position) =>
      sets[position < trainEnd ? 0 : position < validationEnd ? 1 : 2]!.push(row),
    );
    for (const set of sets) set.sort((a, b) => a - b);
  } else {
    const random = seededRandom(seed);
    for (let row = 0; row < data.rows; row++) {
      const u = random();
      sets[u < test ? 2 : u < test + validation ? 1 : 0]!.push(row);
    }
  }
  return {
    train: takeRows(data, Int32Array.from(sets[0]!)),
    validation: takeRows(data, Int32Array.from(sets[1]!)),
    test: takeRows(data, Int32Array.from(sets[2]!)),
  };
}

/** The rows at `indices`, as a new set of typed columns. */
export function takeRows(data: TrainingSet, indices: Int32Array): TrainingSet {
  const pick = <T extends Float64Array | Int32Array>(values: T): T => {
    const out = new (values.constructor as new (n: number) => T)(indices.length);
    for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]!]!;
    return out;
  };
  const features: Feature[] = data.features.map((f) =>
    f.kind === 'categorical' ? { ...f, values: pick(f.values) } : { ...f, values: pick(f.values) },
  );
  return {
    rows: indices.length,
    features,
    ...(data.target ? { target: pick(data.target) } : {}),
    ...(data.weights ? { weights: pick(data.weights) } : {}),
  };
}

/** Just the features of a set. */
export function frameOf(data: FeatureFrame): FeatureFrame {
  return { rows: data.rows, features: data.features };
}
