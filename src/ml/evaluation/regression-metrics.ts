/**
 * RMSE, MAE, R² and MAPE of predictions against actual values; undefined metrics are left
 * out, never NaN. MAPE (a fraction, not a percentage) is over the rows whose actual value is
 * not 0, and absent when every actual value is 0.
 */
export function regressionMetrics(
  actual: Float64Array,
  predicted: Float64Array,
): Record<string, number> {
  const n = actual.length;
  if (n === 0) return {};
  let squared = 0;
  let absolute = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i]! / n;
  let total = 0;
  let relative = 0;
  let nonzero = 0;
  for (let i = 0; i < n; i++) {
    const e = actual[i]! - predicted[i]!;
    squared += e * e;
    absolute += Math.abs(e);
    total += (actual[i]! - mean) ** 2;
    if (actual[i] !== 0) {
      relative += Math.abs(e / actual[i]!);
      nonzero++;
    }
  }
  return {
    rmse: Math.sqrt(squared / n),
    mae: absolute / n,
    ...(total > 0 ? { r2: 1 - squared / total } : {}),
    ...(nonzero > 0 ? { mape: relative / nonzero } : {}),
  };
}
