/**
 * ONNX export of a tree ensemble: one `TreeEnsemble` node (ai.onnx.ml opset 5) summing the
 * margins, then `Add` of the base score and `Sigmoid` (binary) or `Softmax` (multiclass).
 *
 * `TreeEnsemble` rather than the older TreeEnsembleRegressor/Classifier: it is the successor
 * of both, holds thresholds and leaves as doubles (so the export matches `predict` to the last
 * bits rather than to float32), and has set-membership splits, which categorical splits need
 * (the older operators would need one-hot inputs or a chain of equality nodes).
 *
 * Input `features`: double `[N, F]` in the model's feature order; categorical features as their
 * codes, with -1 or NaN for missing. Output `predictions`: `[N, 1]` for regression (the value)
 * and binary (P(class 1)), `[N, classes]` probabilities for multiclass.
 */
import type { FeatureSchema } from '../algorithm.js';
import { attribute, encodeOnnxModel, type OnnxNode } from '../../onnx/onnx-model.js';
import { outputsOf, type GbdtModel } from './gbdt-model.js';

const BRANCH_LEQ = 0;
const BRANCH_MEMBER = 6;

export function gbdtToOnnx(model: GbdtModel, schema: readonly FeatureSchema[]): Uint8Array {
  const outputs = outputsOf(model);
  const modes: number[] = [];
  const featureIds: number[] = [];
  const splits: number[] = [];
  const trueIds: number[] = [];
  const trueLeafs: number[] = [];
  const falseIds: number[] = [];
  const falseLeafs: number[] = [];
  const missingTrue: number[] = [];
  const members: number[] = [];
  const roots: number[] = [];
  const leafTargets: number[] = [];
  const leafWeights: number[] = [];

  for (const tree of model.trees) {
    // Split nodes and leaves are numbered apart, in the tree's node order.
    const splitIndex = new Int32Array(tree.left.length);
    const leafIndex = new Int32Array(tree.left.length);
    let nextSplit = modes.length;
    tree.left.forEach((left, node) => {
      if (left !== -1) splitIndex[node] = nextSplit++;
      else {
        leafIndex[node] = leafTargets.length;
        leafTargets.push(tree.output);
        leafWeights.push(tree.value[node]!);
      }
    });
    if (tree.left[0] === -1) {
      // A tree of one leaf: a split whose two branches both reach it.
      roots.push(modes.length);
      modes.push(BRANCH_LEQ);
      featureIds.push(0);
      splits.push(0);
      trueIds.push(leafIndex[0]!);
      trueLeafs.push(1);
      falseIds.push(leafIndex[0]!);
      falseLeafs.push(1);
      missingTrue.push(1);
      continue;
    }
    roots.push(modes.length);
    tree.left.forEach((left, node) => {
      if (left === -1) return;
      const right = tree.right[node]!;
      const set = tree.categories.get(node);
      modes.push(set ? BRANCH_MEMBER : BRANCH_LEQ);
      featureIds.push(tree.feature[node]!);
      splits.push(set ? 0 : tree.threshold[node]!);
      if (set) members.push(...set, NaN);
      const leftLeaf = tree.left[left] === -1;
      const rightLeaf = tree.left[right] === -1;
      trueIds.push(leftLeaf ? leafIndex[left]! : splitIndex[left]!);
      trueLeafs.push(leftLeaf ? 1 : 0);
      falseIds.push(rightLeaf ? leafIndex[right]! : splitIndex[right]!);
      falseLeafs.push(rightLeaf ? 1 : 0);
      missingTrue.push(tree.defaultLeft[node]!);
    });
  }

  const ensemble: OnnxNode = {
    opType: 'TreeEnsemble',
    domain: 'ai.onnx.ml',
    inputs: ['features'],
    outputs: ['tree_sum'],
    attributes: {
      n_targets: attribute.int(outputs),
      aggregate_function: attribute.int(1), // SUM
      post_transform: attribute.int(0), // NONE: the base score comes first
      tree_roots: attribute.ints(roots),
      nodes_modes: attribute.tensor({ type: 'uint8', dims: [modes.length], values: modes }),
      nodes_featureids: attribute.ints(featureIds),
      nodes_splits: attribute.tensor({ type: 'double', dims: [splits.length], values: splits }),
      nodes_truenodeids: attribute.ints(trueIds),
      nodes_trueleafs: attribute.ints(trueLeafs),
      nodes_falsenodeids: attribute.ints(falseIds),
      nodes_falseleafs: attribute.ints(falseLeafs),
      nodes_missing_value_tracks_true: attribute.ints(missingTrue),
      ...(members.length > 0
        ? {
            membership_values: attribute.tensor({
              type: 'double',
              dims: [members.length],
              values: members,
            }),
          }
        : {}),
      leaf_targetids: attribute.ints(leafTargets),
      leaf_weights: attribute.tensor({
        type: 'double',
        dims: [leafWeights.length],
        values: leafWeights,
      }),
    },
  };
  const link: Record<GbdtModel['problem'], OnnxNode> = {
    regression: { opType: 'Identity', inputs: ['margin'], outputs: ['predictions'] },
    binary: { opType: 'Sigmoid', inputs: ['margin'], outputs: ['predictions'] },
    multiclass: {
      opType: 'Softmax',
      inputs: ['margin'],
      outputs: ['predictions'],
      attributes: { axis: attribute.int(-1) },
    },
  };
  return encodeOnnxModel({
    opsets: { '': 21, 'ai.onnx.ml': 5 },
    docString: `Lakebox gradient-boosted trees (${model.problem}, ${model.rounds} rounds)`,
    metadata: {
      feature_schema: JSON.stringify(schema),
      ...(model.classes ? { classes: JSON.stringify(model.classes) } : {}),
    },
    graph: {
      name: 'gbdt',
      inputs: [{ name: 'features', type: 'double', shape: ['N', model.features.length] }],
      outputs: [{ name: 'predictions', type: 'double', shape: ['N', outputs] }],
      initializers: [
        { name: 'base_score', type: 'double', dims: [outputs], values: model.baseScore },
      ],
      nodes: [
        ensemble,
        { opType: 'Add', inputs: ['tree_sum', 'base_score'], outputs: ['margin'] },
        link[model.problem],
      ],
    },
  });
}
