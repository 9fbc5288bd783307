/**
 * The portable JSON form of a tree ensemble: plain arrays per tree (the in-memory layout),
 * keys always written in the same order, so the same model gives the same bytes. Reading checks
 * the whole document (array lengths, child indices, features) before any of it is trusted.
 */
import { z } from 'zod';
import { LakeError } from '../../../errors/lake-error.js';
import type { GbdtModel, GbdtTree } from './gbdt-model.js';

export const GBDT_FORMAT = 'lakebox-gbdt';
export const GBDT_FORMAT_VERSION = 1;

const numbers = z.array(z.number());
const integers = z.array(z.number().int());

const treeSchema = z.object({
  output: z.number().int().min(0),
  left: integers,
  right: integers,
  feature: integers,
  threshold: numbers,
  defaultLeft: z.array(z.union([z.literal(0), z.literal(1)])),
  value: numbers,
  gain: numbers,
  cover: numbers,
  categories: z.array(z.tuple([z.number().int().min(0), integers])),
});

const modelSchema = z.object({
  format: z.literal(GBDT_FORMAT),
  version: z.literal(GBDT_FORMAT_VERSION),
  problem: z.enum(['regression', 'binary', 'multiclass']),
  classes: z.array(z.string()).optional(),
  features: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['numeric', 'categorical']),
      levels: z.array(z.string()).optional(),
    }),
  ),
  baseScore: numbers,
  rounds: z.number().int().min(0),
  trees: z.array(treeSchema),
  training: z.record(z.string(), z.unknown()).optional(),
});

export function serializeGbdt(model: GbdtModel): unknown {
  return {
    format: GBDT_FORMAT,
    version: GBDT_FORMAT_VERSION,
    problem: model.problem,
    ...(model.classes ? { classes: [...model.classes] } : {}),
    features: model.features.map((f) =>
      f.levels
        ? { name: f.name, kind: f.kind, levels: [...f.levels] }
        : { name: f.name, kind: f.kind },
    ),
    baseScore: Array.from(model.baseScore),
    rounds: model.rounds,
    trees: model.trees.map((tree) => ({
      output: tree.output,
      left: Array.from(tree.left),
      right: Array.from(tree.right),
      feature: Array.from(tree.feature),
      threshold: Array.from(tree.threshold),
      defaultLeft: Array.from(tree.defaultLeft),
      value: Array.from(tree.value),
      gain: Array.from(tree.gain),
      cover: Array.from(tree.cover),
      categories: [...tree.categories]
        .sort(([a], [b]) => a - b)
        .map(([node, codes]) => [node, Array.from(codes)]),
    })),
    ...(model.training ? { training: model.training } : {}),
  };
}

/** @throws LakeError UNSUPPORTED_FORMAT when the document is not a valid model of this format. */
export function deserializeGbdt(json: unknown): GbdtModel {
  const parsed = modelSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`${issue.path.join('.') || 'document'}: ${issue.message}`);
  }
  const doc = parsed.data;
  const outputs = doc.problem === 'multiclass' ? (doc.classes?.length ?? 0) : 1;
  if (
    (doc.problem !== 'regression' && (doc.classes?.length ?? 0) < 2) ||
    doc.baseScore.length !== outputs
  ) {
    throw invalid(
      `a ${doc.problem} model needs its classes and one base score per output (${outputs})`,
    );
  }
  const model: GbdtModel = {
    problem: doc.problem,
    ...(doc.classes ? { classes: doc.classes } : {}),
    features: doc.features.map((f) =>
      f.levels ? { name: f.name, kind: f.kind, levels: f.levels } : { name: f.name, kind: f.kind },
    ),
    baseScore: Float64Array.from(doc.baseScore),
    rounds: doc.rounds,
    trees: doc.trees.map((tree, t) => readTree(tree, t, doc.features, outputs)),
    ...(doc.training ? { training: doc.training } : {}),
  };
  return model;
}

function readTree(
  tree: z.infer<typeof treeSchema>,
  t: number,
  features: readonly { kind: 'numeric' | 'categorical' }[],
  outputs: number,
): GbdtTree {
  const n = tree.left.length;
  const arrays = [
    tree.right,
    tree.feature,
    tree.threshold,
    tree.defaultLeft,
    tree.value,
    tree.gain,
    tree.cover,
  ];
  if (n === 0 || arrays.some((a) => a.length !== n))
    throw invalid(`tree ${t} has arrays of different lengths`);
  if (tree.output >= outputs)
    throw invalid(`tree ${t} adds to output ${tree.output} of ${outputs}`);
  const categories = new Map(
    tree.categories.map(([node, codes]) => [node, Int32Array.from(codes).sort()]),
  );
  for (let i = 0; i < n; i++) {
    const leaf = tree.left[i] === -1;
    // Children come after their parent, so following them always ends at a leaf.
    const childOk = (c: number) => c > i && c < n;
    if (!leaf && (!childOk(tree.left[i]!) || !childOk(tree.right[i]!)))
      throw invalid(`tree ${t} node ${i} has a child out of range`);
    if (leaf) continue;
    const kind = features[tree.feature[i]!]?.kind;
    if (kind === undefined)
      throw invalid(
        `tree ${t} node ${i} splits on feature ${tree.feature[i]}, which the model lacks`,
      );
    if ((kind === 'categorical') !== categories.has(i))
      throw invalid(`tree ${t} node ${i} splits a ${kind} feature the other way`);
  }
  return {
    output: tree.output,
    left: Int32Array.from(tree.left),
    right: Int32Array.from(tree.right),
    feature: Int32Array.from(tree.feature),
    threshold: Float64Array.from(tree.threshold),
    defaultLeft: Uint8Array.from(tree.defaultLeft),
    value: Float64Array.from(tree.value),
    gain: Float64Array.from(tree.gain),
    cover: Float64Array.from(tree.cover),
    categories,
  };
}

function invalid(what: string): LakeError {
  return new LakeError('UNSUPPORTED_FORMAT', `Not a valid ${GBDT_FORMAT} model: ${what}.`);
}
