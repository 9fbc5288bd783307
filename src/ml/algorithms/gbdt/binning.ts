/**
 * Feature binning: each feature becomes one byte per row, so a histogram over a node's rows is
 * a few additions per row and split finding looks at at most 256 candidates per feature.
 *
 * Numeric: quantile bins from a seeded sample (at most `maxBins`); with few distinct values,
 * one bin per value, cut half-way between neighbours. Categorical: one bin per category, or for
 * the `maxBins - 1` most frequent when there are more; the rest share the missing bin, so a rare
 * level follows the learned default direction, as a missing one does. The missing bin is always
 * the last (`missingBin`), so its direction is chosen at each split.
 */
import type { Feature } from '../algorithm.js';
import { seededRandom } from '../../features/seeded-random.js';

/** Rows sampled to place quantile cuts; enough for 255 bins within a fraction of a percent. */
const QUANTILE_SAMPLE = 200_000;

export interface NumericBins {
  readonly kind: 'numeric';
  /** Bin b holds values in (upper[b-1], upper[b]]; the last value bin's bound is +Infinity. */
  readonly upper: Float64Array;
  /** Value bins; the missing bin's index equals this count. */
  readonly count: number;
}

export interface CategoricalBins {
  readonly kind: 'categorical';
  /** Category code of each value bin. */
  readonly codes: Int32Array;
  /** Value bins; the missing bin's index equals this count. */
  readonly count: number;
  /** Category levels (codes index into them). */
  readonly levels: number;
}

export type FeatureBins = NumericBins | CategoricalBins;

export interface BinnedFeatures {
  readonly rows: number;
  readonly bins: readonly FeatureBins[];
  /** One bin index per row, per feature. */
  readonly columns: readonly Uint8Array[];
  /**
   * The same bins row-major (`rows * features`): a histogram reads a node's rows once, each
   * row's bytes together, rather than once per feature from scattered columns.
   */
  readonly packed: Uint8Array;
}

/** Bins of each feature, learned from the training rows. */
export function learnBins(
  features: readonly Feature[],
  maxBins: number,
  seed: number,
): FeatureBins[] {
  return features.map((feature, index) =>
    feature.kind === 'numeric'
      ? numericBins(feature.values, maxBins, seed + index)
      : categoricalBins(feature.values, feature.levels.length, maxBins),
  );
}

export function applyBins(
  features: readonly Feature[],
  bins: readonly FeatureBins[],
  rows: number,
): BinnedFeatures {
  const columns = features.map((feature, f) => {
    const bin = bins[f]!;
    return bin.kind === 'numeric'
      ? binNumeric(feature.values as Float64Array, bin)
      : binCategorical(feature.values as Int32Array, bin);
  });
  const width = columns.length;
  // Shared memory, so histogram workers read the bins without a copy.
  const packed = new Uint8Array(new SharedArrayBuffer(Math.max(1, rows * width)));
  columns.forEach((column, f) => {
    for (let i = 0; i < rows; i++) packed[i * width + f] = column[i]!;
  });
  return { rows, bins, columns, packed };
}

function numericBins(values: Float64Array, maxBins: number, seed: number): NumericBins {
  const sample = sampleFinite(values, seed);
  sample.sort();
  const distinct: number[] = [];
  for (let i = 0; i < sample.length; i++) {
    if (i === 0 || sample[i] !== sample[i - 1]) distinct.push(sample[i]!);
  }
  const upper: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++)
      upper.push(midpoint(distinct[i]!, distinct[i + 1]!));
  } else {
    // Cut after the value at each quantile; a value heavier than a bin gets a bin of its own.
    for (let b = 1; b < maxBins; b++) {
      const value = sample[Math.floor((b * sample.length) / maxBins) - 1]!;
      const next = distinct[upperIndex(distinct, value)];
      if (next === undefined) break;
      const cut = midpoint(value, next);
      if (upper.length === 0 || cut > upper[upper.length - 1]!) upper.push(cut);
    }
  }
  upper.push(Infinity);
  return { kind: 'numeric', upper: Float64Array.from(upper), count: upper.length };
}

/** The non-missing values, or a seeded sample of them when there are many. */
function sampleFinite(values: Float64Array, seed: number): Float64Array {
  let finite = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) finite++;
  const take = Math.min(finite, QUANTILE_SAMPLE);
  const out = new Float64Array(take);
  if (take === finite) {
    let j = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) out[j++] = values[i]!;
    return out;
  }
  // Reservoir sampling keeps every value equally likely in one pass.
  const random = seededRandom(seed);
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (Number.isNaN(value)) continue;
    if (seen < take) out[seen] = value;
    else {
      const slot = Math.floor(random() * (seen + 1));
      if (slot < take) out[slot] = value;
    }
    seen++;
  }
  return out;
}

/** Index of the first element greater than `value` in a sorted array. */
function upperIndex(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function midpoint(a: number, b: number): number {
  const mid = a + (b - a) / 2;
  // Between adjacent doubles the midpoint rounds to one of them; keep `a` on the left.
  return mid < b ? mid : a;
}

function binNumeric(values: Float64Array, bins: NumericBins): Uint8Array {
  const { upper, count } = bins;
  const out = new Uint8Array(values.length);
  const last = count - 1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (Number.isNaN(value)) {
      out[i] = count;
      continue;
    }
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (value <= upper[mid]!) hi = mid;
      else lo = mid + 1;
    }
    out[i] = lo;
  }
  return out;
}

function categoricalBins(codes: Int32Array, levels: number, maxBins: number): CategoricalBins {
  const counts = new Float64Array(levels);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code >= 0 && code < levels) counts[code]!++;
  }
  const present: number[] = [];
  for (let code = 0; code < levels; code++) if (counts[code]! > 0) present.push(code);
  // Most frequent first, ties by code, then back to code order so bins read naturally.
  const kept = present
    .sort((a, b) => counts[b]! - counts[a]! || a - b)
    .slice(0, maxBins - 1)
    .sort((a, b) => a - b);
  return { kind: 'categorical', codes: Int32Array.from(kept), count: kept.length, levels };
}

function binCategorical(codes: Int32Array, bins: CategoricalBins): Uint8Array {
  const binOf = new Int32Array(bins.levels).fill(bins.count);
  bins.codes.forEach((code, bin) => (binOf[code] = bin));
  const out = new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    out[i] = code >= 0 && code < bins.levels ? binOf[code]! : bins.count;
  }
  return out;
}
