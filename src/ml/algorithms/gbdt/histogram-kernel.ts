/**
 * The inner loop of histogram building: sums the gradient and hessian of rows
 * `order[start..end)` into `out`, reading each row's packed bins once. `slots[k]` is the
 * slot (in doubles) of bin 0 of the k-th chosen feature and `bytes[k]` its byte in a row.
 *
 * Self-contained on purpose (no imports, no closures): worker threads run this very function
 * from its source text (see histogram-pool.ts), so the main thread and the workers cannot
 * drift apart, and no worker file has to be found next to a bundle at run time.
 */
export function sumRows(
  out: Float64Array,
  packed: Uint8Array,
  width: number,
  order: Uint32Array,
  start: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array,
  slots: Int32Array,
  bytes: Int32Array,
  count: number,
): void {
  for (let i = start; i < end; i++) {
    const row = order[i]!;
    const g = grad[row]!;
    const h = hess[row]!;
    const at = row * width;
    for (let k = 0; k < count; k++) {
      const slot = slots[k]! + 2 * packed[at + bytes[k]!]!;
      out[slot]! += g;
      out[slot + 1]! += h;
    }
  }
}
