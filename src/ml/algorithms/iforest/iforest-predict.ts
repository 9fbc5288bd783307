import type { FeatureFrame, Predictions } from '../algorithm.js';
import { splitColumns } from './iforest-columns.js';
import { averagePath, type IsolationForestModel } from './iforest-model.js';

/** The anomaly score 2^(-E[h(x)] / c(sample)) in (0, 1]: near 1 is anomalous, below 0.5 normal. */
export function predictIsolationForest(
  model: IsolationForestModel,
  frame: FeatureFrame,
): Predictions {
  const columns = splitColumns(frame, model.fill);
  const depths = new Float64Array(frame.rows);
  for (const tree of model.trees) {
    for (let i = 0; i < frame.rows; i++) {
      let node = 0;
      let depth = 0;
      while (tree.feature[node]! >= 0) {
        node =
          columns[tree.feature[node]!]![i]! < tree.threshold[node]!
            ? tree.left[node]!
            : tree.right[node]!;
        depth++;
      }
      depths[i]! += depth + averagePath(tree.size[node]!);
    }
  }
  const norm = averagePath(model.sampleSize) * model.trees.length;
  for (let i = 0; i < frame.rows; i++) depths[i] = 2 ** (-depths[i]! / norm);
  return { values: depths, width: 1 };
}
