/**
 * Histogram gradient-boosted trees for regression (squared error), binary (log loss) and
 * multiclass (softmax) problems.
 *
 * Written here because no maintained JavaScript library trains boosted trees at this level:
 * the JavaScript ports of XGBoost and LightGBM only score models trained elsewhere, and the
 * pure-JavaScript tree libraries are exact-split, single-tree or unmaintained, without missing
 * values, categorical splits or early stopping.
 *
 * The parts, one file each: `binning` (quantile bins, missing as its own bin), `histogram`
 * (gradient sums per bin, siblings by subtraction), `split-finder` (gain, default direction,
 * categorical sets), `tree-growth` (depthwise or lossguide), `objective` (the losses),
 * `boosting` (rounds, sampling, early stopping), `gbdt-model` (the trees and their scorer),
 * `gbdt-serialize` (portable JSON), `gbdt-onnx` (the ONNX export).
 *
 * Threads: trees grow on the calling thread; with `threads` above 1 and enough rows, the row
 * loops of histogram building are split among worker threads over shared memory
 * (`histogram-pool`), the rest (splits, partitions, gradients) stays on the calling thread.
 *
 * @example
 * const params = gbdt.params({ rounds: 200, max_depth: 4 });
 * const model = await gbdt.fit(train, { problem: 'binary', classes: ['no', 'yes'], params, seed: 7, validation });
 * const { values } = gbdt.predict(model, frame); // P(yes) per row
 */
import type { Algorithm } from '../algorithm.js';
import { boost } from './boosting.js';
import { gbdtParams, type GbdtParams } from './gbdt-params.js';
import { predictGbdt, type GbdtModel } from './gbdt-model.js';
import { gbdtToOnnx } from './gbdt-onnx.js';
import { deserializeGbdt, serializeGbdt } from './gbdt-serialize.js';

export const gbdt: Algorithm<GbdtParams, GbdtModel> = {
  name: 'gbdt',
  problems: ['regression', 'binary', 'multiclass'],
  params: gbdtParams,
  fit: boost,
  predict: predictGbdt,
  serialize: serializeGbdt,
  deserialize: deserializeGbdt,
  importance: gainImportance,
  toOnnx: gbdtToOnnx,
};

/** Total gain of each feature's splits over all trees; every feature is listed, unused ones at 0. */
export function gainImportance(model: GbdtModel): Record<string, number> {
  const totals = new Float64Array(model.features.length);
  for (const tree of model.trees) {
    tree.left.forEach((left, node) => {
      if (left !== -1) totals[tree.feature[node]!]! += tree.gain[node]!;
    });
  }
  return Object.fromEntries(model.features.map((f, i) => [f.name, totals[i]!]));
}

export type { GbdtModel, GbdtParams };
