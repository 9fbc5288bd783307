/**
 * Loss functions: squared error (regression), log loss (binary) and softmax cross-entropy
 * (multiclass). Each gives the starting margin, first and second derivatives per row, the
 * validation metric early stopping watches, and the map from margins to predictions.
 *
 * Margins are row-major, `rows * outputs`; gradients are one array per output, because each
 * output gets its own tree and a tree reads its gradients by row.
 */
export type GbdtProblem = 'regression' | 'binary' | 'multiclass';

export interface Labels {
  readonly target: Float64Array;
  readonly weights?: Float64Array;
}

export interface Objective {
  /** Margins per row: the class count for multiclass, else 1. */
  readonly outputs: number;
  readonly metricName: string;
  /** The margin every row starts from, per output: the loss's best constant. */
  baseScore(labels: Labels): Float64Array;
  gradients(
    margins: Float64Array,
    labels: Labels,
    grad: Float64Array[],
    hess: Float64Array[],
  ): void;
  /** Lower is better. */
  metric(margins: Float64Array, labels: Labels): number;
  /** Margins to predictions in place: identity, the sigmoid, or the softmax per row. */
  transform(margins: Float64Array): Float64Array;
}

/** A hessian floor, so a leaf of confident rows keeps a finite Newton step. */
const MIN_HESSIAN = 1e-16;
/** Probabilities are clipped this far from 0 and 1 in the log loss. */
const EPSILON = 1e-15;

const weightOf = (labels: Labels, row: number) => (labels.weights ? labels.weights[row]! : 1);

export const OBJECTIVES: Record<GbdtProblem, (classes: number) => Objective> = {
  regression: () => ({
    outputs: 1,
    metricName: 'rmse',
    baseScore(labels) {
      const { sum, total } = weightedSum(labels, (y) => y);
      return Float64Array.of(total > 0 ? sum / total : 0);
    },
    gradients(margins, labels, [grad], [hess]) {
      for (let i = 0; i < margins.length; i++) {
        const w = weightOf(labels, i);
        grad![i] = w * (margins[i]! - labels.target[i]!);
        hess![i] = w;
      }
    },
    metric(margins, labels) {
      let sum = 0;
      let total = 0;
      for (let i = 0; i < margins.length; i++) {
        const w = weightOf(labels, i);
        const error = margins[i]! - labels.target[i]!;
        sum += w * error * error;
        total += w;
      }
      return Math.sqrt(sum / total);
    },
    transform: (margins) => margins,
  }),

  binary: () => ({
    outputs: 1,
    metricName: 'logloss',
    baseScore(labels) {
      const { sum, total } = weightedSum(labels, (y) => y);
      const p = Math.min(Math.max(total > 0 ? sum / total : 0.5, EPSILON), 1 - EPSILON);
      return Float64Array.of(Math.log(p / (1 - p)));
    },
    gradients(margins, labels, [grad], [hess]) {
      for (let i = 0; i < margins.length; i++) {
        const w = weightOf(labels, i);
        const p = sigmoid(margins[i]!);
        grad![i] = w * (p - labels.target[i]!);
        hess![i] = Math.max(w * p * (1 - p), MIN_HESSIAN);
      }
    },
    metric(margins, labels) {
      let sum = 0;
      let total = 0;
      for (let i = 0; i < margins.length; i++) {
        const w = weightOf(labels, i);
        const p = Math.min(Math.max(sigmoid(margins[i]!), EPSILON), 1 - EPSILON);
        sum -= w * (labels.target[i]! === 1 ? Math.log(p) : Math.log(1 - p));
        total += w;
      }
      return sum / total;
    },
    transform(margins) {
      for (let i = 0; i < margins.length; i++) margins[i] = sigmoid(margins[i]!);
      return margins;
    },
  }),

  multiclass: (classes) => ({
    outputs: classes,
    metricName: 'mlogloss',
    baseScore(labels) {
      const counts = new Float64Array(classes);
      let total = 0;
      for (let i = 0; i < labels.target.length; i++) {
        const w = weightOf(labels, i);
        counts[labels.target[i]!]! += w;
        total += w;
      }
      return counts.map((c) => Math.log(Math.max(total > 0 ? c / total : 1 / classes, EPSILON)));
    },
    gradients(margins, labels, grad, hess) {
      const p = new Float64Array(classes);
      const rows = labels.target.length;
      for (let i = 0; i < rows; i++) {
        softmaxInto(margins, i * classes, classes, p, 0);
        const w = weightOf(labels, i);
        const y = labels.target[i]!;
        for (let k = 0; k < classes; k++) {
          const pk = p[k]!;
          grad[k]![i] = w * (pk - (k === y ? 1 : 0));
          // XGBoost's factor 2 over the diagonal keeps the step conservative for all classes.
          hess[k]![i] = Math.max(2 * w * pk * (1 - pk), MIN_HESSIAN);
        }
      }
    },
    metric(margins, labels) {
      const p = new Float64Array(classes);
      let sum = 0;
      let total = 0;
      for (let i = 0; i < labels.target.length; i++) {
        softmaxInto(margins, i * classes, classes, p, 0);
        const w = weightOf(labels, i);
        sum -= w * Math.log(Math.max(p[labels.target[i]!]!, EPSILON));
        total += w;
      }
      return sum / total;
    },
    transform(margins) {
      for (let i = 0; i < margins.length; i += classes)
        softmaxInto(margins, i, classes, margins, i);
      return margins;
    },
  }),
};

export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

function softmaxInto(
  margins: Float64Array,
  from: number,
  classes: number,
  out: Float64Array,
  to: number,
): void {
  let max = -Infinity;
  for (let k = 0; k < classes; k++) max = Math.max(max, margins[from + k]!);
  let sum = 0;
  for (let k = 0; k < classes; k++) {
    const e = Math.exp(margins[from + k]! - max);
    out[to + k] = e;
    sum += e;
  }
  for (let k = 0; k < classes; k++) out[to + k]! /= sum;
}

function weightedSum(labels: Labels, value: (y: number) => number): { sum: number; total: number } {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < labels.target.length; i++) {
    const w = weightOf(labels, i);
    sum += w * value(labels.target[i]!);
    total += w;
  }
  return { sum, total };
}
