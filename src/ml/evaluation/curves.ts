/**
 * The ROC and precision-recall curves of a binary scorer, thinned for storage and charts: at
 * most `points` points, taken at evenly spaced ranks of the thresholds, always with both
 * ends. A chart at a few hundred points cannot be told from the full curve.
 */

export interface CurvePoint {
  readonly threshold: number;
  readonly fpr: number;
  readonly tpr: number;
  readonly precision: number;
  readonly recall: number;
}

export const CURVE_POINTS = 200;

/** One point per distinct threshold (descending), thinned to at most `points`. */
export function binaryCurves(
  actual: Float64Array,
  score: Float64Array,
  points = CURVE_POINTS,
): CurvePoint[] {
  const order = Array.from(score.keys()).sort((a, b) => score[b]! - score[a]!);
  let positives = 0;
  for (const y of actual) if (y === 1) positives++;
  const negatives = actual.length - positives;
  const all: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  order.forEach((row, k) => {
    if (actual[row] === 1) tp++;
    else fp++;
    if (k === order.length - 1 || score[order[k + 1]!] !== score[row])
      all.push({
        threshold: score[row]!,
        fpr: negatives ? fp / negatives : 0,
        tpr: positives ? tp / positives : 0,
        precision: tp / (tp + fp),
        recall: positives ? tp / positives : 0,
      });
  });
  const start: CurvePoint = { threshold: Infinity, fpr: 0, tpr: 0, precision: 1, recall: 0 };
  if (all.length <= points) return [start, ...all].map(finite);
  const thinned = [start];
  for (let i = 0; i < points; i++)
    thinned.push(all[Math.round(((i + 1) * (all.length - 1)) / points)]!);
  return thinned.map(finite);
}

/** JSON has no Infinity: the curve's start is at the largest threshold there is. */
function finite(point: CurvePoint): CurvePoint {
  return Number.isFinite(point.threshold) ? point : { ...point, threshold: Number.MAX_VALUE };
}
