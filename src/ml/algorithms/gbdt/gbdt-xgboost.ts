/**
 * Reads a model XGBoost saved with `save_model` (its JSON format) as a Lakebox tree
 * ensemble, so that an imported model scores natively, exports to ONNX and serves like a
 * trained one. Objectives: `binary:logistic`, `multi:softprob` (and `multi:softmax`, read
 * as its probabilities), `reg:squarederror`; numeric splits only.
 *
 * XGBoost sends a row left when `value < split` (compared in float32); Lakebox's trees
 * go left when `value <= threshold`: the threshold is the largest double below the split,
 * which is the same test for every value XGBoost itself can hold.
 */
import { z } from 'zod';
import { LakeError } from '../../../errors/lake-error.js';
import type { GbdtModel, GbdtTree } from './gbdt-model.js';
import type { GbdtProblem } from './objective.js';

const treeSchema = z.object({
  left_children: z.array(z.number().int()),
  right_children: z.array(z.number().int()),
  split_indices: z.array(z.number().int().min(0)),
  split_conditions: z.array(z.number()),
  default_left: z.array(z.union([z.boolean(), z.number()])),
  split_type: z.array(z.number().int()).optional(),
  loss_changes: z.array(z.number()).optional(),
  sum_hessian: z.array(z.number()).optional(),
});

const documentSchema = z.object({
  learner: z.object({
    feature_names: z.array(z.string()).optional(),
    learner_model_param: z.object({
      base_score: z.string(),
      num_class: z.string(),
      num_feature: z.string(),
    }),
    objective: z.object({ name: z.string() }),
    gradient_booster: z.object({
      name: z.string(),
      model: z.object({ trees: z.array(treeSchema), tree_info: z.array(z.number().int()) }),
    }),
  }),
  version: z.array(z.number()).optional(),
});

const PROBLEMS: Record<string, GbdtProblem> = {
  'binary:logistic': 'binary',
  'multi:softprob': 'multiclass',
  'multi:softmax': 'multiclass',
  'reg:squarederror': 'regression',
};

/** The feature names XGBoost saved (or f0, f1, ...), and the model. */
export interface XgboostImport {
  readonly featureNames: readonly string[];
  readonly model: GbdtModel;
  readonly xgboostVersion: string | null;
}

/** @throws LakeError UNSUPPORTED_FORMAT naming what is not an XGBoost JSON model, or not one this reads. */
export function gbdtFromXgboost(json: unknown): XgboostImport {
  const parsed = documentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw unsupported(
      `it is not an XGBoost JSON model (${issue.path.join('.') || 'document'}: ${issue.message}); save it with booster.save_model("model.json")`,
    );
  }
  const { learner, version } = parsed.data;
  const problem = PROBLEMS[learner.objective.name];
  if (!problem)
    throw unsupported(
      `objective ${learner.objective.name} is not read; use ${Object.keys(PROBLEMS).join(', ')}`,
    );
  if (learner.gradient_booster.name !== 'gbtree')
    throw unsupported(
      `booster ${learner.gradient_booster.name} is not read; only gbtree models are`,
    );
  const features = Number(learner.learner_model_param.num_feature);
  const classes =
    problem === 'multiclass'
      ? Number(learner.learner_model_param.num_class)
      : problem === 'binary'
        ? 2
        : 0;
  const outputs = problem === 'multiclass' ? classes : 1;
  const base = Number(learner.learner_model_param.base_score);
  // XGBoost keeps a logistic model's base score as a probability, and adds a multiclass
  // model's to every class's margin as it is.
  const baseMargin = problem === 'binary' ? Math.log(base / (1 - base)) : base;
  const names = learner.feature_names?.length
    ? learner.feature_names
    : Array.from({ length: features }, (_, i) => `f${i}`);
  const { trees, tree_info } = learner.gradient_booster.model;
  if (tree_info.length !== trees.length) throw unsupported('tree_info and trees differ in length');
  const model: GbdtModel = {
    problem,
    ...(classes ? { classes: Array.from({ length: classes }, (_, k) => String(k)) } : {}),
    features: names.map((name) => ({ name, kind: 'numeric' as const })),
    baseScore: new Float64Array(outputs).fill(baseMargin),
    trees: trees.map((tree, t) => readTree(tree, tree_info[t]!, t, names.length, outputs)),
    rounds: Math.ceil(trees.length / outputs),
    training: { importedFrom: 'xgboost', objective: learner.objective.name },
  };
  return { featureNames: names, model, xgboostVersion: version ? version.join('.') : null };
}

function readTree(
  tree: z.infer<typeof treeSchema>,
  output: number,
  t: number,
  features: number,
  outputs: number,
): GbdtTree {
  const nodes = tree.left_children.length;
  const lengths = [
    tree.right_children,
    tree.split_indices,
    tree.split_conditions,
    tree.default_left,
  ].map((a) => a.length);
  if (lengths.some((n) => n !== nodes)) throw unsupported(`tree ${t}: its arrays differ in length`);
  if (output < 0 || output >= outputs)
    throw unsupported(`tree ${t} adds to output ${output} of ${outputs}`);
  if (tree.split_type?.some((s) => s !== 0))
    throw unsupported(
      `tree ${t} has categorical splits, which are not read yet; one-hot encode the categories`,
    );
  const left = Int32Array.from(tree.left_children);
  const right = Int32Array.from(tree.right_children);
  const feature = new Int32Array(nodes);
  const threshold = new Float64Array(nodes);
  const value = new Float64Array(nodes);
  for (let n = 0; n < nodes; n++) {
    const leaf = left[n] === -1;
    if (!leaf && (left[n]! <= n || right[n]! <= n || left[n]! >= nodes || right[n]! >= nodes))
      throw unsupported(`tree ${t}, node ${n}: children out of order`);
    if (!leaf && tree.split_indices[n]! >= features)
      throw unsupported(`tree ${t}, node ${n}: feature ${tree.split_indices[n]} of ${features}`);
    feature[n] = leaf ? 0 : tree.split_indices[n]!;
    // A leaf's value sits in split_conditions.
    if (leaf) value[n] = tree.split_conditions[n]!;
    else threshold[n] = below(tree.split_conditions[n]!);
  }
  return {
    output,
    left,
    right,
    feature,
    threshold,
    defaultLeft: Uint8Array.from(tree.default_left, (d) => (d ? 1 : 0)),
    value,
    gain: Float64Array.from(tree.loss_changes ?? new Array<number>(nodes).fill(0), (g, n) =>
      left[n] === -1 ? 0 : g,
    ),
    cover: Float64Array.from(tree.sum_hessian ?? new Array<number>(nodes).fill(0)),
    categories: new Map(),
  };
}

/** The largest double below `x`: `v < x` exactly when `v <= below(x)`. */
function below(x: number): number {
  if (Number.isNaN(x) || x === -Infinity) return x;
  if (x === 0) return -Number.MIN_VALUE;
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const n = bits.getBigInt64(0);
  bits.setBigInt64(0, x > 0 ? n - 1n : n + 1n);
  return bits.getFloat64(0);
}

function unsupported(why: string): LakeError {
  return new LakeError('UNSUPPORTED_FORMAT', `The XGBoost model cannot be imported: ${why}.`);
}
