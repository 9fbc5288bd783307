/**
 * The mean silhouette coefficient of a clustering of `rows` points with `dims` coordinates
 * (row-major), by Euclidean distance. Exact and O(rows²), so callers pass a seeded sample of
 * large sets. Undefined with fewer than two clusters.
 */
export function silhouette(
  points: Float64Array,
  dims: number,
  labels: Int32Array,
): number | undefined {
  const rows = labels.length;
  const clusters = Math.max(-1, ...labels) + 1;
  if (clusters < 2) return undefined;
  const sizes = new Array<number>(clusters).fill(0);
  for (const l of labels) sizes[l]! += 1;
  let total = 0;
  const sums = new Float64Array(clusters);
  for (let i = 0; i < rows; i++) {
    sums.fill(0);
    for (let j = 0; j < rows; j++) {
      if (i === j) continue;
      let d = 0;
      for (let k = 0; k < dims; k++) d += (points[i * dims + k]! - points[j * dims + k]!) ** 2;
      sums[labels[j]!]! += Math.sqrt(d);
    }
    const own = labels[i]!;
    if (sizes[own]! <= 1) continue; // a singleton's silhouette is 0
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < clusters; c++)
      if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    total += (b - a) / Math.max(a, b);
  }
  return total / rows;
}
