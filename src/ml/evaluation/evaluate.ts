import type { Predictions, ProblemType, TrainingSet } from '../algorithms/algorithm.js';
import { binaryMetrics, multiclassMetrics } from './classification-metrics.js';
import { regressionMetrics } from './regression-metrics.js';

type Evaluator = (
  data: TrainingSet,
  predictions: Predictions,
  classes: number,
) => Record<string, number>;

/** The metrics of each problem type on held-out rows (a Record, so a new type needs its own). */
const EVALUATORS: Record<ProblemType, Evaluator> = {
  regression: (data, p) => regressionMetrics(data.target!, p.values),
  binary: (data, p) => binaryMetrics(data.target!, p.values).metrics,
  multiclass: (data, p, classes) => multiclassMetrics(data.target!, p.values, classes).metrics,
  clustering: (_data, p) => ({ clusters: new Set(p.values).size }),
  anomaly: (_data, p) => ({
    meanScore: p.values.reduce((a, b) => a + b, 0) / Math.max(1, p.values.length),
  }),
};

export function evaluate(
  problem: ProblemType,
  data: TrainingSet,
  predictions: Predictions,
  classes: number,
): Record<string, number> {
  return { ...EVALUATORS[problem](data, predictions, classes), rows: data.rows };
}
