const EPSILON = 1e-15;

/**
 * Binary metrics of P(class 1) against 0/1 labels: AUC (by ranks, ties averaged), log loss,
 * and accuracy, precision, recall and F1 at `threshold`, with the confusion matrix.
 */
export function binaryMetrics(
  actual: Float64Array,
  probability: Float64Array,
  threshold = 0.5,
): { metrics: Record<string, number>; confusion: number[][] } {
  const n = actual.length;
  const confusion = [
    [0, 0],
    [0, 0],
  ];
  if (n === 0) return { metrics: {}, confusion };
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - EPSILON, Math.max(EPSILON, probability[i]!));
    loss -= actual[i]! === 1 ? Math.log(p) : Math.log(1 - p);
    confusion[actual[i]!]![probability[i]! >= threshold ? 1 : 0]! += 1;
  }
  const [[tn, fp], [fn, tp]] = confusion as [[number, number], [number, number]];
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const auc = rocAuc(actual, probability);
  return {
    metrics: {
      ...(auc === undefined ? {} : { auc }),
      logloss: loss / n,
      accuracy: (tp + tn) / n,
      precision,
      recall,
      f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    },
    confusion,
  };
}

/** The area under the ROC curve by the rank-sum statistic; undefined with one class only. */
export function rocAuc(actual: Float64Array, score: Float64Array): number | undefined {
  const order = Array.from(score.keys()).sort((a, b) => score[a]! - score[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && score[order[end + 1]!] === score[order[start]!]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (actual[order[k]!] === 1) {
        positives++;
        rankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Points of the ROC curve (false and true positive rates by descending threshold). */
export function rocCurve(
  actual: Float64Array,
  score: Float64Array,
): Array<{ fpr: number; tpr: number }> {
  const order = Array.from(score.keys()).sort((a, b) => score[b]! - score[a]!);
  const positives = actual.reduce((n, y) => n + (y === 1 ? 1 : 0), 0);
  const negatives = actual.length - positives;
  const points = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  order.forEach((row, k) => {
    if (actual[row] === 1) tp++;
    else fp++;
    if (k === order.length - 1 || score[order[k + 1]!] !== score[row])
      points.push({ fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0 });
  });
  return points;
}

/** Multiclass metrics of row-major probabilities: log loss, accuracy, macro F1, confusion. */
export function multiclassMetrics(
  actual: Float64Array,
  probabilities: Float64Array,
  classes: number,
): { metrics: Record<string, number>; confusion: number[][] } {
  const n = actual.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  if (n === 0) return { metrics: {}, confusion };
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const y = actual[i]!;
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += probabilities[i * classes + k]!;
    loss -= Math.log(
      Math.min(1 - EPSILON, Math.max(EPSILON, probabilities[i * classes + y]! / sum)),
    );
    let best = 0;
    for (let k = 1; k < classes; k++)
      if (probabilities[i * classes + k]! > probabilities[i * classes + best]!) best = k;
    confusion[y]![best]! += 1;
    if (best === y) correct++;
  }
  let f1 = 0;
  for (let k = 0; k < classes; k++) {
    const tp = confusion[k]![k]!;
    const predicted = confusion.reduce((s, row) => s + row[k]!, 0);
    const present = confusion[k]!.reduce((s, v) => s + v, 0);
    f1 += predicted + present > 0 ? (2 * tp) / (predicted + present) : 0;
  }
  return {
    metrics: { logloss: loss / n, accuracy: correct / n, macroF1: f1 / classes },
    confusion,
  };
}
