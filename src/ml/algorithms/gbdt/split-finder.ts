/**
 * The best split of a node, read from its histogram, with XGBoost's gain:
 * `½ (G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)) − γ`, kept only when positive and when each side
 * holds at least `minChildWeight` of hessian.
 *
 * Missing values sit in their own bin and are tried on both sides of every cut; the better side
 * becomes the node's default direction (taken by missing and unseen values at prediction).
 *
 * Categorical features split into two sets of categories without one-hot encoding: the
 * categories are ordered by gradient over hessian (smoothed by `catSmooth`) and cut along that
 * order, as LightGBM does. For one output and squared loss this order holds the optimal
 * partition (Fisher, 1958), so one scan of at most 255 cuts finds what 2^k subsets would;
 * one-vs-rest would need a split per category to isolate a group and grow deeper trees.
 */
import type { FeatureBins } from './binning.js';
import type { HistogramLayout } from './histogram.js';

export interface SplitRules {
  readonly lambda: number;
  readonly gamma: number;
  readonly minChildWeight: number;
  readonly catSmooth: number;
}

export interface Split {
  readonly gain: number;
  readonly feature: number;
  /** Per bin (the missing bin included): 1 if its rows go left. */
  readonly goesLeft: Uint8Array;
  /** Numeric splits: the last bin that goes left (a cut `x <= upper[bin]`); -1 for categorical. */
  readonly bin: number;
  readonly missingLeft: boolean;
  readonly leftGrad: number;
  readonly leftHess: number;
}

/** Hessian below this is an empty side, whatever `minChildWeight` allows. */
const EMPTY = 1e-12;

export function findBestSplit(
  histogram: Float64Array,
  layout: HistogramLayout,
  bins: readonly FeatureBins[],
  features: Int32Array,
  grad: number,
  hess: number,
  rules: SplitRules,
): Split | undefined {
  const parentScore = (grad * grad) / (hess + rules.lambda);
  const least = Math.max(rules.minChildWeight, EMPTY);
  let best: Split | undefined;
  let bestGain = 0;

  // A candidate cut: left sums (gl, hl); returns its gain or -Infinity when not allowed.
  const gainOf = (gl: number, hl: number): number => {
    const hr = hess - hl;
    if (hl < least || hr < least) return -Infinity;
    const gr = grad - gl;
    return (
      0.5 * ((gl * gl) / (hl + rules.lambda) + (gr * gr) / (hr + rules.lambda) - parentScore) -
      rules.gamma
    );
  };

  for (let k = 0; k < features.length; k++) {
    const f = features[k]!;
    const feature = bins[f]!;
    const base = layout.offsets[f]! * 2;
    const missing = feature.count;
    const gm = histogram[base + 2 * missing]!;
    const hm = histogram[base + 2 * missing + 1]!;
    const hasMissing = hm > 0;

    if (feature.kind === 'numeric') {
      let gl = 0;
      let hl = 0;
      for (let b = 0; b + 1 < feature.count; b++) {
        gl += histogram[base + 2 * b]!;
        hl += histogram[base + 2 * b + 1]!;
        const right = gainOf(gl, hl);
        const left = hasMissing ? gainOf(gl + gm, hl + hm) : -Infinity;
        const gain = Math.max(right, left);
        if (gain > bestGain) {
          bestGain = gain;
          const missingLeft = hasMissing ? left > right : hl >= hess - hl;
          const goesLeft = new Uint8Array(feature.count + 1);
          goesLeft.fill(1, 0, b + 1);
          goesLeft[missing] = missingLeft ? 1 : 0;
          best = {
            gain,
            feature: f,
            goesLeft,
            bin: b,
            missingLeft,
            leftGrad: missingLeft && hasMissing ? gl + gm : gl,
            leftHess: missingLeft && hasMissing ? hl + hm : hl,
          };
        }
      }
      continue;
    }

    const present: number[] = [];
    for (let b = 0; b < feature.count; b++) if (histogram[base + 2 * b + 1]! > 0) present.push(b);
    if (present.length < 2 && !(present.length === 1 && hasMissing)) continue;
    const ratio = (b: number) =>
      histogram[base + 2 * b]! / (histogram[base + 2 * b + 1]! + rules.catSmooth);
    present.sort((a, b) => ratio(a) - ratio(b) || a - b);
    let gl = 0;
    let hl = 0;
    // A cut after position i of the order; with missing rows, the cut after the last category
    // (everything left, missing right) is a split too.
    const cuts = hasMissing ? present.length : present.length - 1;
    for (let i = 0; i < cuts; i++) {
      const b = present[i]!;
      gl += histogram[base + 2 * b]!;
      hl += histogram[base + 2 * b + 1]!;
      const right = gainOf(gl, hl);
      const left = hasMissing && i + 1 < present.length ? gainOf(gl + gm, hl + hm) : -Infinity;
      const gain = Math.max(right, left);
      if (gain > bestGain) {
        bestGain = gain;
        const missingLeft = hasMissing ? left > right : hl >= hess - hl;
        const goesLeft = new Uint8Array(feature.count + 1);
        for (let j = 0; j <= i; j++) goesLeft[present[j]!] = 1;
        goesLeft[missing] = missingLeft ? 1 : 0;
        best = {
          gain,
          feature: f,
          goesLeft,
          bin: -1,
          missingLeft,
          leftGrad: missingLeft && hasMissing ? gl + gm : gl,
          leftHess: missingLeft && hasMissing ? hl + hm : hl,
        };
      }
    }
  }
  return best;
}

/** A leaf's weight before the learning rate: the Newton step `−G/(H+λ)`. */
export function leafWeight(grad: number, hess: number, lambda: number): number {
  const denominator = hess + lambda;
  return denominator > 0 ? -grad / denominator : 0;
}
