/**
 * Gradient histograms: per feature and bin, the sums of the gradient and the hessian of a
 * node's rows, interleaved (`[g0, h0, g1, h1, ...]`). Of two sibling nodes only the smaller is
 * summed row by row; the other is its parent minus it, which halves the work at least.
 */
import type { BinnedFeatures, FeatureBins } from './binning.js';
import { sumRows } from './histogram-kernel.js';

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
 * Sums the rows `order[start..end)` into `out` for the given features, reading each row's
 * packed bins once (rows are in increasing order within a node, so the reads move forward).
 */
export function buildHistogram(
  out: Float64Array,
  layout: HistogramLayout,
  binned: Pick<BinnedFeatures, 'packed' | 'columns'>,
  features: Int32Array,
  order: Uint32Array,
  start: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array,
): void {
  out.fill(0);
  const count = features.length;
  // Slot (in doubles) of bin 0 of each chosen feature, and which byte of a row it reads.
  const slots = new Int32Array(count);
  const bytes = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    bytes[k] = features[k]!;
    slots[k] = layout.offsets[features[k]!]! * 2;
  }
  sumRows(
    out,
    binned.packed,
    binned.columns.length,
    order,
    start,
    end,
    grad,
    hess,
    slots,
    bytes,
    count,
  );
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
