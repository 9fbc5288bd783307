/**
 * A trained (or imported) tree ensemble and its scorer. Trees work on raw feature values, not
 * bins, so the model needs nothing from training to score new rows, and the same trees export
 * to ONNX and import from XGBoost.
 *
 * A node goes left when its numeric value is `<= threshold`, or when its category code is in
 * `categories` (a missing or unseen code, -1, is in the set when the default direction is left);
 * a missing numeric value (NaN) follows `defaultLeft`.
 */
import { LakeError } from '../../../errors/lake-error.js';
import type { FeatureFrame, Predictions } from '../algorithm.js';
import { OBJECTIVES, type GbdtProblem } from './objective.js';

export interface GbdtTree {
  /** The output (class) this tree adds to. */
  readonly output: number;
  /** Per node; -1 marks a leaf. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly defaultLeft: Uint8Array;
  /** Leaf value (learning rate applied); 0 on split nodes. */
  readonly value: Float64Array;
  /** Loss reduction of each split; 0 on leaves. */
  readonly gain: Float64Array;
  /** Hessian sum of each node's training rows. */
  readonly cover: Float64Array;
  /** Sorted category codes that go left, for categorical split nodes. */
  readonly categories: ReadonlyMap<number, Int32Array>;
}

export interface GbdtModelFeature {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** Categorical features: the levels their codes index into. */
  readonly levels?: readonly string[];
}

export interface GbdtModel {
  readonly problem: GbdtProblem;
  /** Binary (negative first) and multiclass labels. */
  readonly classes?: readonly string[];
  readonly features: readonly GbdtModelFeature[];
  /** Starting margin per output. */
  readonly baseScore: Float64Array;
  readonly trees: readonly GbdtTree[];
  /** Rounds kept (the best round when early stopping cut training short). */
  readonly rounds: number;
  /** What training ran with, for the record: parameters, seed, rounds run, best metric. */
  readonly training?: Readonly<Record<string, unknown>>;
}

export function outputsOf(model: Pick<GbdtModel, 'problem' | 'classes'>): number {
  return model.problem === 'multiclass' ? model.classes!.length : 1;
}

/** Raw margins, `rows * outputs` row-major. */
export function predictMargins(model: GbdtModel, frame: FeatureFrame): Float64Array {
  checkFrame(model, frame);
  const outputs = outputsOf(model);
  const rows = frame.rows;
  const margins = new Float64Array(rows * outputs);
  for (let i = 0; i < rows; i++) margins.set(model.baseScore, i * outputs);
  const columns = frame.features.map((f) => f.values);
  for (const tree of model.trees) addTreeMargins(tree, columns, rows, outputs, margins);
  return margins;
}

export function predictGbdt(model: GbdtModel, frame: FeatureFrame): Predictions {
  const margins = predictMargins(model, frame);
  const outputs = outputsOf(model);
  return { values: OBJECTIVES[model.problem](outputs).transform(margins), width: outputs };
}

/** Adds each row's leaf value of `tree` to its margin. */
export function addTreeMargins(
  tree: GbdtTree,
  columns: readonly (Float64Array | Int32Array)[],
  rows: number,
  outputs: number,
  margins: Float64Array,
): void {
  const { left, right, feature, threshold, defaultLeft, value, categories } = tree;
  // Category sets as membership tables by node (index code + 1, so -1, missing, is slot 0):
  // a lookup per visited node, where a binary search or a Map lookup was most of the time.
  const members = new Array<Uint8Array | undefined>(left.length);
  for (const [node, set] of categories) {
    const table = new Uint8Array((set.length > 0 ? set[set.length - 1]! : -1) + 2);
    for (const code of set) table[code + 1] = 1;
    members[node] = table;
  }
  for (let i = 0; i < rows; i++) {
    let node = 0;
    while (left[node]! !== -1) {
      const x = columns[feature[node]!]![i]!;
      const member = members[node];
      // A code past the table (unseen in training) or NaN reads 0 from it: not in the set.
      const goLeft = member
        ? member[x + 1] === 1
        : Number.isNaN(x)
          ? defaultLeft[node] === 1
          : x <= threshold[node]!;
      node = goLeft ? left[node]! : right[node]!;
    }
    margins[i * outputs + tree.output]! += value[node]!;
  }
}

function checkFrame(model: GbdtModel, frame: FeatureFrame): void {
  const expected = model.features.map((f) => `${f.name} (${f.kind})`).join(', ');
  const got = frame.features.map((f) => `${f.name} (${f.kind})`).join(', ');
  if (expected !== got) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The rows to score have features [${got}] but the model was trained on [${expected}]: encode them with the model's feature schema.`,
    );
  }
  for (const feature of frame.features) {
    if (feature.values.length !== frame.rows) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Feature ${feature.name} has ${feature.values.length} values for ${frame.rows} rows.`,
      );
    }
  }
}
