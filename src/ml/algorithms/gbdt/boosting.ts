/**
 * The boosting loop: each round computes the loss's gradients at the current margins, grows one
 * tree per output on a seeded sample of rows and features, and adds its leaves (scaled by the
 * learning rate) to the margins. With a validation set, the loop stops once the validation
 * metric has not improved for `earlyStoppingRounds` rounds and keeps the best round's trees.
 */
import { LakeError } from '../../../errors/lake-error.js';
import type { FitRequest, TrainingSet } from '../algorithm.js';
import { applyBins, learnBins, type FeatureBins } from './binning.js';
import type { GbdtParams } from './gbdt-params.js';
import { addTreeMargins, outputsOf, type GbdtModel, type GbdtTree } from './gbdt-model.js';
import { HistogramLayout } from './histogram.js';
import { HistogramPool, sharedFloat64, sharedUint32 } from './histogram-pool.js';
import { OBJECTIVES, type Labels } from './objective.js';
import { seededRandom } from '../../features/seeded-random.js';
import { leafWeight } from './split-finder.js';
import { growTree, type GrownNode } from './tree-growth.js';
import { checkTrainingSet } from './training-checks.js';

export async function boost(
  data: TrainingSet,
  request: FitRequest<GbdtParams>,
): Promise<GbdtModel> {
  const { params, seed } = request;
  const problem = checkTrainingSet(data, request);
  const outputs = outputsOf({ problem, classes: request.classes });
  const objective = OBJECTIVES[problem](outputs);
  const labels: Labels = { target: data.target!, weights: data.weights };
  const rows = data.rows;

  const bins = learnBins(data.features, params.maxBins, seed);
  const binned = applyBins(data.features, bins, rows);
  const layout = new HistogramLayout(bins);
  const random = seededRandom(seed);

  const baseScore = objective.baseScore(labels);
  const margins = new Float64Array(rows * outputs);
  for (let i = 0; i < rows; i++) margins.set(baseScore, i * outputs);
  // Gradients and the row order on shared memory: histogram workers read them in place.
  const grad = Array.from({ length: outputs }, () => sharedFloat64(rows));
  const hess = Array.from({ length: outputs }, () => sharedFloat64(rows));

  const validation = request.validation;
  const validationLabels: Labels | undefined = validation && {
    target: validation.target!,
    weights: validation.weights,
  };
  const validationMargins = validation && new Float64Array(validation.rows * outputs);
  if (validationMargins)
    for (let i = 0; i < validation.rows; i++) validationMargins.set(baseScore, i * outputs);
  const validationColumns = validation?.features.map((f) => f.values);

  const sample = new Uint32Array(rows);
  const inSample = new Uint8Array(rows);
  const order = sharedUint32(rows);
  const scratch = { indices: new Uint32Array(rows) };
  const trees: GbdtTree[] = [];
  const stopping = validation && params.earlyStoppingRounds > 0 ? params.earlyStoppingRounds : 0;
  let best = { round: -1, metric: Infinity };
  let round = 0;
  let lastMetric: { name: string; value: number } | undefined;

  const pool = HistogramPool.start(
    {
      packed: binned.packed,
      width: bins.length,
      order,
      grad,
      hess,
      histogramLength: layout.bins * 2,
    },
    request.threads ?? 2,
    rows,
  );
  try {
    for (; round < params.rounds; round++) {
      if (request.signal?.aborted) {
        throw new LakeError(
          'RUN_CANCELLED',
          `Training was cancelled at round ${round} of ${params.rounds}.`,
          {
            cause: request.signal.reason,
          },
        );
      }
      objective.gradients(margins, labels, grad, hess);
      const sampled = sampleRows(rows, params.subsample, random, sample, inSample);
      const features = sampleFeatures(bins.length, params.colsample, random);
      for (let k = 0; k < outputs; k++) {
        order.set(sample.subarray(0, sampled));
        const nodes = growTree({
          binned,
          layout,
          features,
          order,
          rows: sampled,
          grad: grad[k]!,
          hess: hess[k]!,
          params,
          scratch,
          ...(pool ? { pool } : {}),
          output: k,
        });
        const tree = modelTree(nodes, bins, k, params);
        trees.push(tree);
        addLeaves(nodes, tree, order, outputs, k, margins);
        if (sampled < rows)
          addOutOfSample(nodes, tree, binned.columns, inSample, outputs, k, margins);
        if (validationMargins)
          addTreeMargins(tree, validationColumns!, validation!.rows, outputs, validationMargins);
      }

      // Without a validation set the metric only informs progress; over every training row it
      // cost a tenth of a round, so it is taken every 10th round and at the last.
      const last = round + 1 === params.rounds;
      if (validationMargins || round % 10 === 9 || last) {
        const metric = validationMargins
          ? objective.metric(validationMargins, validationLabels!)
          : objective.metric(margins, labels);
        const metricName = `${validationMargins ? 'validation' : 'training'} ${objective.metricName}`;
        lastMetric = { name: metricName, value: metric };
      }
      const metric = lastMetric?.value ?? Infinity;
      request.onProgress?.({
        step: round + 1,
        total: params.rounds,
        ...(lastMetric ? { metric: lastMetric } : {}),
      });
      if (metric < best.metric) best = { round, metric };
      else if (stopping && round - best.round >= stopping) {
        round++;
        break;
      }
      // Let an abort or a progress consumer run between rounds.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await pool?.close();
  }

  const kept = stopping ? best.round + 1 : round;
  return {
    problem,
    ...(request.classes ? { classes: [...request.classes] } : {}),
    features: data.features.map((f) =>
      f.kind === 'numeric'
        ? { name: f.name, kind: f.kind }
        : { name: f.name, kind: f.kind, levels: [...f.levels] },
    ),
    baseScore,
    trees: trees.slice(0, kept * outputs),
    rounds: kept,
    training: {
      params: { ...params },
      seed,
      roundsRun: round,
      ...(validationMargins
        ? { bestValidation: { name: objective.metricName, value: best.metric } }
        : {}),
    },
  };
}

/** Rows of this round in `sample[0..n)`, in row order; `inSample` marks them. */
function sampleRows(
  rows: number,
  rate: number,
  random: () => number,
  sample: Uint32Array,
  inSample: Uint8Array,
): number {
  let n = 0;
  for (let i = 0; i < rows; i++) {
    const take = rate >= 1 || random() < rate;
    inSample[i] = take ? 1 : 0;
    if (take) sample[n++] = i;
  }
  return n;
}

/** At least one feature; drawn without replacement, returned in feature order. */
function sampleFeatures(count: number, rate: number, random: () => number): Int32Array {
  const all = Int32Array.from({ length: count }, (_, i) => i);
  if (rate >= 1) return all;
  const take = Math.max(1, Math.round(rate * count));
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (count - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.subarray(0, take).sort();
}

function isLeaf(node: GrownNode): boolean {
  return node.left === undefined;
}

/** The grown tree on raw values: cuts at bin bounds, category sets from bins, leaf values. */
function modelTree(
  nodes: readonly GrownNode[],
  bins: readonly FeatureBins[],
  output: number,
  params: GbdtParams,
): GbdtTree {
  const n = nodes.length;
  const tree = {
    output,
    left: new Int32Array(n).fill(-1),
    right: new Int32Array(n).fill(-1),
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    defaultLeft: new Uint8Array(n),
    value: new Float64Array(n),
    gain: new Float64Array(n),
    cover: new Float64Array(n),
    categories: new Map<number, Int32Array>(),
  };
  nodes.forEach((node, id) => {
    tree.cover[id] = node.hess;
    if (isLeaf(node)) {
      tree.value[id] = params.learningRate * leafWeight(node.grad, node.hess, params.lambda);
      return;
    }
    const split = node.split!;
    tree.left[id] = node.left!;
    tree.right[id] = node.right!;
    tree.feature[id] = split.feature;
    tree.defaultLeft[id] = split.missingLeft ? 1 : 0;
    tree.gain[id] = split.gain;
    const feature = bins[split.feature]!;
    if (feature.kind === 'numeric') tree.threshold[id] = feature.upper[split.bin]!;
    else tree.categories.set(id, leftCategories(feature, split.goesLeft, split.missingLeft));
  });
  return tree;
}

/** The codes of the bins that go left, and with the default direction left, every code binned as missing. */
function leftCategories(
  feature: Extract<FeatureBins, { kind: 'categorical' }>,
  goesLeft: Uint8Array,
  missingLeft: boolean,
): Int32Array {
  const codes: number[] = [];
  feature.codes.forEach((code, bin) => {
    if (goesLeft[bin]) codes.push(code);
  });
  if (missingLeft) {
    codes.push(-1);
    const kept = new Set(feature.codes);
    for (let code = 0; code < feature.levels; code++) if (!kept.has(code)) codes.push(code);
  }
  return Int32Array.from(codes).sort();
}

function addLeaves(
  nodes: readonly GrownNode[],
  tree: GbdtTree,
  order: Uint32Array,
  outputs: number,
  output: number,
  margins: Float64Array,
): void {
  nodes.forEach((node, id) => {
    if (!isLeaf(node)) return;
    const value = tree.value[id]!;
    for (let i = node.start; i < node.end; i++) margins[order[i]! * outputs + output]! += value;
  });
}

/** Rows left out of this round's sample still move with the tree, found through the bins. */
function addOutOfSample(
  nodes: readonly GrownNode[],
  tree: GbdtTree,
  columns: readonly Uint8Array[],
  inSample: Uint8Array,
  outputs: number,
  output: number,
  margins: Float64Array,
): void {
  for (let row = 0; row < inSample.length; row++) {
    if (inSample[row]) continue;
    let id = 0;
    let node = nodes[0]!;
    while (!isLeaf(node)) {
      const split = node.split!;
      id = split.goesLeft[columns[split.feature]![row]!] ? node.left! : node.right!;
      node = nodes[id]!;
    }
    margins[row * outputs + output]! += tree.value[id]!;
  }
}
