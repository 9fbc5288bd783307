import type { FeatureFrame, TrainingSet } from './algorithm.js';

/**
 * How linear models and k-means see features: numbers standardised (mean 0, population
 * standard deviation 1, missing values at the mean, i.e. 0) and each categorical one-hot
 * encoded, so a category counts as itself rather than as its integer code. The one-hot part
 * is never materialised: a row holds one code per categorical, and products with weights
 * read the weight at the code's offset.
 */
export interface DesignLayout {
  readonly numeric: ReadonlyArray<{ name: string; mean: number; scale: number }>;
  readonly categorical: ReadonlyArray<{
    name: string;
    offset: number;
    levels: number;
    /** Share of training rows at each level, for importance. */
    frequencies: number[];
  }>;
  /** Columns of the encoded matrix, without an intercept. */
  readonly width: number;
}

/** The layout of a training set: statistics of its numbers, sizes of its categoricals. */
export function designLayout(data: TrainingSet): DesignLayout {
  const numeric: Array<DesignLayout['numeric'][number]> = [];
  const categorical: Array<DesignLayout['categorical'][number]> = [];
  for (const feature of data.features) {
    if (feature.kind === 'numeric') {
      let n = 0;
      let sum = 0;
      for (const v of feature.values)
        if (!Number.isNaN(v)) {
          n++;
          sum += v;
        }
      const mean = n ? sum / n : 0;
      let squares = 0;
      for (const v of feature.values) if (!Number.isNaN(v)) squares += (v - mean) ** 2;
      const sd = n ? Math.sqrt(squares / n) : 0;
      numeric.push({ name: feature.name, mean, scale: sd > 0 ? sd : 1 });
    }
  }
  let offset = numeric.length;
  for (const feature of data.features) {
    if (feature.kind === 'categorical') {
      const counts = new Array<number>(feature.levels.length).fill(0);
      for (const code of feature.values) if (code >= 0) counts[code]! += 1;
      categorical.push({
        name: feature.name,
        offset,
        levels: feature.levels.length,
        frequencies: counts.map((c) => (data.rows ? c / data.rows : 0)),
      });
      offset += feature.levels.length;
    }
  }
  return { numeric, categorical, width: offset };
}

/** A frame encoded by a layout: standardised numeric columns and offset category codes. */
export class DesignMatrix {
  readonly rows: number;
  readonly numeric: Float64Array[];
  /** Column index into the encoded matrix per row, -1 for a missing or unseen level. */
  readonly codes: Int32Array[];

  constructor(
    readonly layout: DesignLayout,
    frame: FeatureFrame,
  ) {
    this.rows = frame.rows;
    const numericFeatures = frame.features.filter((f) => f.kind === 'numeric');
    const categoricalFeatures = frame.features.filter((f) => f.kind === 'categorical');
    this.numeric = layout.numeric.map(({ mean, scale }, j) => {
      const values = numericFeatures[j]!.values;
      const out = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        out[i] = Number.isNaN(v) ? 0 : (v - mean) / scale;
      }
      return out;
    });
    this.codes = layout.categorical.map(({ offset, levels }, j) => {
      const values = categoricalFeatures[j]!.values as Int32Array;
      const out = new Int32Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const code = values[i]!;
        out[i] = code >= 0 && code < levels ? offset + code : -1;
      }
      return out;
    });
  }

  /** out[i] = bias + x_i · w, reading `w` from `base` on. */
  multiply(w: Float64Array, base: number, bias: number, out: Float64Array): void {
    out.fill(bias);
    this.numeric.forEach((column, j) => {
      const wj = w[base + j]!;
      if (wj === 0) return;
      for (let i = 0; i < this.rows; i++) out[i]! += column[i]! * wj;
    });
    for (const codes of this.codes) {
      for (let i = 0; i < this.rows; i++) {
        const c = codes[i]!;
        if (c >= 0) out[i]! += w[base + c]!;
      }
    }
  }

  /** grad[base + j] += sum_i x_ij g_i: the transposed product, added into `grad`. */
  multiplyTransposed(g: Float64Array, grad: Float64Array, base: number): void {
    this.numeric.forEach((column, j) => {
      let sum = 0;
      for (let i = 0; i < this.rows; i++) sum += column[i]! * g[i]!;
      grad[base + j]! += sum;
    });
    for (const codes of this.codes) {
      for (let i = 0; i < this.rows; i++) {
        const c = codes[i]!;
        if (c >= 0) grad[base + c]! += g[i]!;
      }
    }
  }
}

/**
 * Importance of each feature in a linear score: the standard deviation of its contribution
 * over the training rows (|w| for a standardised number; for a categorical, the spread of
 * its levels' weights by their frequencies).
 */
export function linearImportance(
  layout: DesignLayout,
  weights: Float64Array,
  base: number,
  into: Record<string, number>,
): void {
  layout.numeric.forEach(({ name }, j) => {
    into[name] = (into[name] ?? 0) + Math.abs(weights[base + j]!);
  });
  for (const { name, offset, frequencies } of layout.categorical) {
    let mean = 0;
    let square = 0;
    frequencies.forEach((p, l) => {
      const w = weights[base + offset + l]!;
      mean += p * w;
      square += p * w * w;
    });
    into[name] = (into[name] ?? 0) + Math.sqrt(Math.max(0, square - mean * mean));
  }
}
