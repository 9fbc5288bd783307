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
) as Record<string, Record<string, unknown>>;
const arr = (set: string, key: string) => Float64Array.from((f[set]![key] as number[][]).flat());
const val = (set: string, key: string) => f[set]![key] as number;

describe('metrics equal scikit-learn’s on the same predictions', () => {
  it('regression', () => {
    const m = regressionMetrics(arr('ridge', 'y'), arr('ridge', 'predictions'));
    expect(m['rmse']).toBeCloseTo(val('ridge', 'rmse'), 10);
    expect(m['mae']).toBeCloseTo(val('ridge', 'mae'), 10);
    expect(m['r2']).toBeCloseTo(val('ridge', 'r2'), 10);
  });

  it('binary', () => {
    const { metrics, confusion } = binaryMetrics(
      arr('logistic', 'y'),
      arr('logistic', 'probabilities'),
    );
    expect(metrics['auc']).toBeCloseTo(val('logistic', 'auc'), 10);
    expect(metrics['logloss']).toBeCloseTo(val('logistic', 'logloss'), 10);
    expect(metrics['accuracy']).toBeCloseTo(val('logistic', 'accuracy'), 10);
    expect(metrics['f1']).toBeCloseTo(val('logistic', 'f1'), 10);
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(300);
  });

  it('multiclass', () => {
    const { metrics } = multiclassMetrics(
      arr('multinomial', 'y'),
      arr('multinomial', 'probabilities'),
      3,
    );
    expect(metrics['logloss']).toBeCloseTo(val('multinomial', 'logloss'), 10);
    expect(metrics['accuracy']).toBeCloseTo(val('multinomial', 'accuracy'), 10);
    expect(metrics['macroF1']).toBeCloseTo(val('multinomial', 'macroF1'), 10);
  });

  it('silhouette', () => {
    const x = f['kmeans']!['x'] as number[][];
    const scaled = x.map((col) => {
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
      return col.map((v) => (v - mean) / sd);
    });
    const points = Float64Array.from(scaled[0]!.flatMap((v, i) => [v, scaled[1]![i]!]));
    expect(silhouette(points, 2, Int32Array.from(f['kmeans']!['labels'] as number[]))).toBeCloseTo(
      val('kmeans', 'silhouette'),
      10,
    );
  });

  it('gives no NaN for a single class or no rows', () => {
    const { metrics } = binaryMetrics(Float64Array.from([1, 1]), Float64Array.from([0.2, 0.9]));
    expect(metrics['auc']).toBeUndefined();
    expect(Object.values(metrics).every(Number.isFinite)).toBe(true);
    expect(regressionMetrics(new Float64Array(0), new Float64Array(0))).toEqual({});
  });
});
