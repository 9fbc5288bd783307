import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Feature, TrainingSet } from '../../src/ml/algorithms/algorithm.js';
import { ALGORITHMS } from '../../src/ml/algorithms/algorithms.js';

const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/sklearn-fixtures.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, unknown>>;

const numeric = (name: string, values: number[]): Feature => ({
  name,
  kind: 'numeric',
  values: Float64Array.from(values),
});
const categorical = (name: string, codes: number[], levels: number): Feature => ({
  name,
  kind: 'categorical',
  values: Int32Array.from(codes),
  levels: Array.from({ length: levels }, (_, i) => `l${i}`),
});

async function fitAndPredict(
  name: keyof typeof ALGORITHMS,
  data: TrainingSet,
  problem: 'binary' | 'multiclass' | 'regression' | 'clustering' | 'anomaly',
  params: Record<string, unknown>,
  classes?: string[],
) {
  const algorithm = ALGORITHMS[
    name
  ] as unknown as import('../../src/ml/algorithms/algorithm.js').Algorithm;
  const model = await algorithm.fit(data, {
    problem,
    params: algorithm.params(params),
    seed: 1,
    ...(classes ? { classes } : {}),
  });
  // The portable document round-trips to the same predictions, and is deterministic.
  const again = algorithm.deserialize(JSON.parse(JSON.stringify(algorithm.serialize(model))));
  const first = algorithm.predict(model, data);
  expect(Array.from(algorithm.predict(again, data).values)).toEqual(Array.from(first.values));
  const twice = await algorithm.fit(data, {
    problem,
    params: algorithm.params(params),
    seed: 1,
    ...(classes ? { classes } : {}),
  });
  expect(JSON.stringify(algorithm.serialize(twice))).toBe(
    JSON.stringify(algorithm.serialize(model)),
  );
  return { model, predictions: first, algorithm };
}

describe('algorithms against scikit-learn', () => {
  it('ridge regression predicts what sklearn Ridge predicts', async () => {
    const f = fixtures['ridge'] as {
      x0: number[];
      x1: number[];
      cat: number[];
      y: number[];
      weight: number[];
      alpha: number;
      predictions: number[];
    };
    const data: TrainingSet = {
      rows: f.y.length,
      features: [numeric('x0', f.x0), numeric('x1', f.x1), categorical('c', f.cat, 3)],
      target: Float64Array.from(f.y),
      weights: Float64Array.from(f.weight),
    };
    const { predictions } = await fitAndPredict('linear', data, 'regression', { l2: f.alpha });
    f.predictions.forEach((p, i) => expect(predictions.values[i]).toBeCloseTo(p, 6));
  });

  it('binary logistic regression gives sklearn LogisticRegression probabilities', async () => {
    const f = fixtures['logistic'] as {
      x: number[][];
      cat: number[];
      y: number[];
      C: number;
      probabilities: number[];
    };
    const data: TrainingSet = {
      rows: f.y.length,
      features: [...f.x.map((col, j) => numeric(`x${j}`, col)), categorical('c', f.cat, 3)],
      target: Float64Array.from(f.y),
    };
    const { predictions, algorithm, model } = await fitAndPredict(
      'logistic',
      data,
      'binary',
      { l2: 1 / f.C, tolerance: 1e-10, maxIterations: 5000 },
      ['0', '1'],
    );
    f.probabilities.forEach((p, i) => expect(predictions.values[i]).toBeCloseTo(p, 5));
    expect(Object.keys(algorithm.importance!(model)).sort()).toEqual(['c', 'x0', 'x1', 'x2', 'x3']);
  });

  it('multinomial logistic regression gives sklearn probabilities', async () => {
    const f = fixtures['multinomial'] as {
      x: number[][];
      y: number[];
      C: number;
      probabilities: number[][];
    };
    const data: TrainingSet = {
      rows: f.y.length,
      features: f.x.map((col, j) => numeric(`x${j}`, col)),
      target: Float64Array.from(f.y),
    };
    const { predictions } = await fitAndPredict(
      'logistic',
      data,
      'multiclass',
      { l2: 1 / f.C, tolerance: 1e-10, maxIterations: 5000 },
      ['0', '1', '2'],
    );
    expect(predictions.width).toBe(3);
    f.probabilities.forEach((row, i) =>
      row.forEach((p, k) => expect(predictions.values[i * 3 + k]).toBeCloseTo(p, 5)),
    );
  });

  it('k-means finds the centroids and inertia sklearn finds', async () => {
    const f = fixtures['kmeans'] as { x: number[][]; centers: number[][]; inertia: number };
    const data: TrainingSet = {
      rows: f.x[0]!.length,
      features: f.x.map((col, j) => numeric(`x${j}`, col)),
    };
    const { model } = await fitAndPredict('kmeans', data, 'clustering', { k: 3 });
    const m = model as { centroids: Float64Array; inertia: number };
    const ours = [0, 1, 2]
      .map((c) => [m.centroids[c * 2]!, m.centroids[c * 2 + 1]!])
      .sort((a, b) => a[0]! - b[0]!);
    const theirs = [...f.centers].sort((a, b) => a[0]! - b[0]!);
    ours.forEach((c, i) => c.forEach((v, j) => expect(v).toBeCloseTo(theirs[i]![j]!, 6)));
    expect(m.inertia).toBeCloseTo(f.inertia, 6);
  });

  it('the isolation forest ranks the planted outliers first, as sklearn does', async () => {
    const f = fixtures['iforest'] as { x: number[][]; outlier: number[]; scores: number[] };
    const data: TrainingSet = {
      rows: f.outlier.length,
      features: f.x.map((col, j) => numeric(`x${j}`, col)),
    };
    const { predictions } = await fitAndPredict('iforest', data, 'anomaly', { trees: 200 });
    const top = (scores: ArrayLike<number>) =>
      Array.from(scores, (s, i) => [s, i] as const)
        .sort((a, b) => b[0] - a[0])
        .slice(0, 10)
        .map(([, i]) => i)
        .sort((a, b) => a - b);
    expect(top(predictions.values)).toEqual(top(f.scores));
    expect(top(predictions.values).every((i) => f.outlier[i] === 1)).toBe(true);
  });

  it('refuses an unknown parameter, naming it', () => {
    expect(() => ALGORITHMS.logistic.params({ C: 1 })).toThrow(/Unknown parameter C for logistic/);
  });
});
