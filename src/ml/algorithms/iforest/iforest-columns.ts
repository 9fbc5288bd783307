import type { FeatureFrame } from '../algorithm.js';

/**
 * The frame's columns as numbers for splitting: a missing number at `fill`, a category's
 * code as it is (-1 for missing), since an isolation split only needs an order.
 */
export function splitColumns(frame: FeatureFrame, fill: readonly number[]): Float64Array[] {
  return frame.features.map((feature, j) => {
    const out = new Float64Array(frame.rows);
    if (feature.kind === 'categorical')
      for (let i = 0; i < frame.rows; i++) out[i] = feature.values[i]!;
    else
      for (let i = 0; i < frame.rows; i++)
        out[i] = Number.isNaN(feature.values[i]!) ? fill[j]! : feature.values[i]!;
    return out;
  });
}
