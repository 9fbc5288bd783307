import type { Predictions, ProblemType, TrainingSet } from '../algorithms/algorithm.js';
import { seededRandom } from '../features/seeded-random.js';
import { binaryMetrics, multiclassMetrics } from './classification-metrics.js';
import { binaryCurves, type CurvePoint } from './curves.js';

/**
 * What a report draws besides the metrics, computed once on the test rows and stored with the
 * model: the confusion matrix (rows actual, columns predicted, in class order), the ROC and PR
 * curves of a binary model, and a seeded sample of (actual, predicted) pairs of a regression.
 */
export interface EvaluationDetails {
  readonly threshold?: number;
  readonly confusion?: readonly (readonly number[])[];
  readonly curves?: readonly CurvePoint[];
  readonly residuals?: readonly { readonly actual: number; readonly predicted: number }[];
}

export const RESIDUAL_SAMPLE = 500;
const THRESHOLD = 0.5;

type Detailer = (
  data: TrainingSet,
  p: Predictions,
  classes: number,
  seed: number,
) => EvaluationDetails;

const DETAILERS: Record<ProblemType, Detailer> = {
  binary: (data, p) => ({
    threshold: THRESHOLD,
    confusion: binaryMetrics(data.target!, p.values, THRESHOLD).confusion,
    curves: binaryCurves(data.target!, p.values),
  }),
  multiclass: (data, p, classes) => ({
    confusion: multiclassMetrics(data.target!, p.values, classes).confusion,
  }),
  regression: (data, p, _classes, seed) => ({
    residuals: residualSample(data.target!, p.values, seed),
  }),
  clustering: () => ({}),
  anomaly: () => ({}),
};

export function evaluationDetails(
  problem: ProblemType,
  data: TrainingSet,
  predictions: Predictions,
  classes: number,
  seed: number,
): EvaluationDetails {
  if (data.rows === 0) return {};
  return DETAILERS[problem](data, predictions, classes, seed);
}

/** Up to RESIDUAL_SAMPLE rows drawn without replacement, seeded, in row order. */
function residualSample(actual: Float64Array, predicted: Float64Array, seed: number) {
  const n = actual.length;
  const take = Math.min(n, RESIDUAL_SAMPLE);
  const random = seededRandom(seed);
  const chosen = new Uint8Array(n);
  // Selection sampling (Knuth's algorithm S): one pass, every subset equally likely.
  for (let i = 0, left = take; i < n && left > 0; i++) {
    if (random() * (n - i) < left) {
      chosen[i] = 1;
      left--;
    }
  }
  const out: { actual: number; predicted: number }[] = [];
  for (let i = 0; i < n; i++)
    if (chosen[i]) out.push({ actual: actual[i]!, predicted: predicted[i]! });
  return out;
}
