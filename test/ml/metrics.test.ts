import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  binaryMetrics,
  multiclassMetrics,
} from '../../src/ml/evaluation/classification-metrics.js';
import { regressionMetrics } from '../../src/ml/evaluation/regression-metrics.js';
import { silhouette } from '../../src/ml/evaluation/silhouette.js';

const f = JSON.parse(
  readFileSync(new URL('./fixtures/sklearn-fixtures.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, number & number[] & number[][]>>;

describe('metrics equal scikit-learn’s on the same predictions', () => {
  it('regression', () => {
    const m = regressionMetrics(
      Float64Array.from(f['ridge']!['y']),
      Float64Array.from(f['ridge']!['predictions']),
    );
    expect(m['rmse']).toBeCloseTo(f['ridge']!['rmse'], 10);
    expect(m['mae']).toBeCloseTo(f['ridge']!['mae'], 10);
    expect(m['r2']).toBeCloseTo(f['ridge']!['r2'], 10);
  });

  it('binary', () => {
    const g = f['logistic']!;
    const { metrics, confusion } = binaryMetrics(
      Float64Array.from(g['y']),
      Float64Array.from(g['probabilities']),
    );
    expect(metrics['auc']).toBeCloseTo(g['auc'], 10);
    expect(metrics['logloss']).toBeCloseTo(g['logloss'], 10);
    expect(metrics['accuracy']).toBeCloseTo(g['accuracy'], 10);
    expect(metrics['f1']).toBeCloseTo(g['f1'], 10);
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(300);
  });

  it('multiclass', () => {
    const g = f['multinomial']!;
    const { metrics } = multiclassMetrics(
      Float64Array.from(g['y']),
      Float64Array.from(g['probabilities'].flat()),
      3,
    );
    expect(metrics['logloss']).toBeCloseTo(g['logloss'], 10);
    expect(metrics['accuracy']).toBeCloseTo(g['accuracy'], 10);
    expect(metrics['macroF1']).toBeCloseTo(g['macroF1'], 10);
  });

  it('silhouette', () => {
    const g = f['kmeans']!;
    const x = g['x'];
    const scaled = x.map((col) => {
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
      return col.map((v) => (v - mean) / sd);
    });
    const points = Float64Array.from(scaled[0]!.flatMap((v, i) => [v, scaled[1]![i]!]));
    expect(silhouette(points, 2, Int32Array.from(g['labels']))).toBeCloseTo(g['silhouette'], 10);
  });

  it('gives no NaN for a single class or no rows', () => {
    const { metrics } = binaryMetrics(Float64Array.from([1, 1]), Float64Array.from([0.2, 0.9]));
    expect(metrics['auc']).toBeUndefined();
    expect(Object.values(metrics).every(Number.isFinite)).toBe(true);
    expect(regressionMetrics(new Float64Array(0), new Float64Array(0))).toEqual({});
  });
});
