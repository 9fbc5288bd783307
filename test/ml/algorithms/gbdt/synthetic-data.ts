/** Seeded synthetic data sets with a known answer, as the typed columns the algorithm seam takes. */
import type { Feature, TrainingSet } from '../../../../src/ml/algorithms/algorithm.js';
import { seededRandom } from '../../../../src/ml/features/seeded-random.js';

export function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function numeric(name: string, values: Float64Array): Feature {
  return { name, kind: 'numeric', values };
}

/** Columns from a per-row generator: `row(i)` gives the features' values and the target. */
export function makeSet(
  rows: number,
  names: readonly string[],
  row: (random: () => number) => { x: number[]; y: number },
  seed: number,
): TrainingSet {
  const random = seededRandom(seed);
  const columns = names.map(() => new Float64Array(rows));
  const target = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const { x, y } = row(random);
    x.forEach((v, f) => (columns[f]![i] = v));
    target[i] = y;
  }
  return { rows, features: names.map((n, f) => numeric(n, columns[f]!)), target };
}

/** y = x1 * x2 + noise, x uniform on [-2, 2], with an irrelevant third feature. */
export function productSet(rows: number, seed: number): TrainingSet {
  return makeSet(
    rows,
    ['x1', 'x2', 'noise'],
    (r) => {
      const x1 = 4 * r() - 2;
      const x2 = 4 * r() - 2;
      return { x: [x1, x2, r()], y: x1 * x2 + 0.1 * gaussian(r) };
    },
    seed,
  );
}

/** Class 1 when exactly one of x1, x2 is positive; 5% of labels flipped. */
export function xorSet(rows: number, seed: number): TrainingSet {
  return makeSet(
    rows,
    ['x1', 'x2'],
    (r) => {
      const x1 = 2 * r() - 1;
      const x2 = 2 * r() - 1;
      const label = x1 > 0 !== x2 > 0 ? 1 : 0;
      return { x: [x1, x2], y: r() < 0.05 ? 1 - label : label };
    },
    seed,
  );
}

/** Three classes by which third of [0, 3) x1 + x2 falls in. */
export function bandsSet(rows: number, seed: number): TrainingSet {
  return makeSet(
    rows,
    ['x1', 'x2'],
    (r) => {
      const x1 = 1.5 * r();
      const x2 = 1.5 * r();
      return { x: [x1, x2], y: Math.min(2, Math.floor(x1 + x2)) };
    },
    seed,
  );
}

export function rmse(predicted: Float64Array, actual: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (predicted[i]! - actual[i]!) ** 2;
  return Math.sqrt(sum / actual.length);
}

export function mean(values: Float64Array): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
