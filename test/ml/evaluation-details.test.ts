import { describe, expect, it } from 'vitest';
import { rocAuc, rocCurve } from '../../src/ml/evaluation/classification-metrics.js';
import { binaryCurves } from '../../src/ml/evaluation/curves.js';
import { evaluationDetails } from '../../src/ml/evaluation/evaluation-details.js';
import { regressionMetrics } from '../../src/ml/evaluation/regression-metrics.js';
import { seededRandom } from '../../src/ml/features/seeded-random.js';

/** Scores that rank positives higher, with ties, from a seeded generator. */
function scored(rows: number) {
  const random = seededRandom(5);
  const actual = new Float64Array(rows);
  const score = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    actual[i] = random() < 0.3 ? 1 : 0;
    score[i] = Math.round((actual[i]! * 0.3 + random()) * 1000) / 1000;
  }
  return { actual, score };
}

/** Area under a curve of (x, y) points by the trapezoid rule. */
const area = (points: Array<{ x: number; y: number }>) =>
  points.slice(1).reduce((sum, p, i) => sum + ((p.x - points[i]!.x) * (p.y + points[i]!.y)) / 2, 0);

describe('stored evaluation details', () => {
  it('the ROC points of binaryCurves are rocCurve’s, in full when few and thinned when many', () => {
    const few = scored(150);
    const curve = binaryCurves(few.actual, few.score);
    expect(curve.map(({ fpr, tpr }) => ({ fpr, tpr }))).toEqual(rocCurve(few.actual, few.score));

    const many = scored(20_000);
    const thinned = binaryCurves(many.actual, many.score, 200);
    expect(thinned).toHaveLength(201);
    expect(thinned[0]).toMatchObject({ fpr: 0, tpr: 0, recall: 0, precision: 1 });
    expect(thinned.at(-1)).toMatchObject({ fpr: 1, tpr: 1, recall: 1 });
    for (let i = 1; i < thinned.length; i++) {
      expect(thinned[i]!.fpr).toBeGreaterThanOrEqual(thinned[i - 1]!.fpr);
      expect(thinned[i]!.threshold).toBeLessThanOrEqual(thinned[i - 1]!.threshold);
    }
    // A chart of the thinned curve encloses the AUC to three decimals.
    const auc = rocAuc(many.actual, many.score)!;
    expect(Math.abs(area(thinned.map((p) => ({ x: p.fpr, y: p.tpr }))) - auc)).toBeLessThan(1e-3);
    expect(JSON.parse(JSON.stringify(thinned))).toEqual(thinned); // no Infinity or NaN
  });

  it('a residual sample is seeded, at most 500 rows, in row order, of real pairs', () => {
    const rows = 2000;
    const target = Float64Array.from({ length: rows }, (_, i) => i);
    const predictions = { values: Float64Array.from(target, (y) => y + 0.5), width: 1 };
    const data = { rows, features: [], target };
    const a = evaluationDetails('regression', data, predictions, 0, 7).residuals!;
    expect(a).toHaveLength(500);
    expect(a.every((r) => r.predicted === r.actual + 0.5)).toBe(true);
    expect(a.map((r) => r.actual)).toEqual([...a.map((r) => r.actual)].sort((x, y) => x - y));
    expect(evaluationDetails('regression', data, predictions, 0, 7).residuals).toEqual(a);
    expect(evaluationDetails('regression', data, predictions, 0, 8).residuals).not.toEqual(a);
  });

  it('MAPE is over the rows whose actual value is not 0, and absent when all are', () => {
    const m = regressionMetrics(Float64Array.of(2, 0, 4), Float64Array.of(1, 5, 5));
    expect(m['mape']).toBeCloseTo((0.5 + 0.25) / 2, 15);
    expect(regressionMetrics(Float64Array.of(0, 0), Float64Array.of(1, 2))['mape']).toBeUndefined();
  });
});
