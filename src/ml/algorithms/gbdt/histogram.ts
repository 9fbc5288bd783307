/**
 * Gradient histograms: per feature and bin, the sums of the gradient and the hessian of a
 * node's rows, interleaved (`[g0, h0, g1, h1, ...]`). Of two sibling nodes only the smaller is
 * summed row by row; the other is its parent minus it, which halves the work at least.
 */
import type { FeatureBins } from './binning.js';

export class HistogramLayout {
  /** Offset (in bins) of each feature's first bin. */
  readonly offsets: Int32Array;
  /** Bins over all features, missing bins included. */
  readonly bins: number;

  constructor(features: readonly FeatureBins[]) {
    this.offsets = new Int32Array(features.length);
    let bins = 0;
    features.forEach((feature, f) => {
      this.offsets[f] = bins;
      bins += feature.count + 1;
    });
    this.bins = bins;
  }

  allocate(): Float64Array {
    return new Float64Array(this.bins * 2);
  }
}

/**
 * Sums the rows `order[start..end)` into `out` for the given features. The gradients are
 * gathered once into `scratch` so the per-feature loops read them in order.
 */
export function buildHistogram(
  out: Float64Array,
  layout: HistogramLayout,
  columns: readonly Uint8Array[],
  features: Int32Array,
  order: Uint32Array,
  start: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array,
  scratch: Float64Array,
): void {
  out.fill(0);
  const n = end - start;
  for (let i = 0; i < n; i++) {
    const row = order[start + i]!;
    scratch[2 * i] = grad[row]!;
    scratch[2 * i + 1] = hess[row]!;
  }
  for (let k = 0; k < features.length; k++) {
    const f = features[k]!;
    const column = columns[f]!;
    const base = layout.offsets[f]! * 2;
    for (let i = 0; i < n; i++) {
      const slot = base + 2 * column[order[start + i]!]!;
      out[slot]! += scratch[2 * i]!;
      out[slot + 1]! += scratch[2 * i + 1]!;
    }
  }
}

/** `out = parent - child`, over the given features' bins. */
export function subtractHistogram(
  out: Float64Array,
  parent: Float64Array,
  child: Float64Array,
  layout: HistogramLayout,
  features: Int32Array,
  bins: readonly FeatureBins[],
): void {
  for (let k = 0; k < features.length; k++) {
    const f = features[k]!;
    const from = layout.offsets[f]! * 2;
    const to = from + (bins[f]!.count + 1) * 2;
    for (let i = from; i < to; i++) out[i] = parent[i]! - child[i]!;
  }
}
