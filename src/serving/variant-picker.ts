/** A source of uniform numbers in [0, 1): Math.random, or a seeded one in tests. */
export type Random = () => number;

/**
 * Picks a variant index by weight: the cumulative weights are summed once per deployment,
 * so a pick is one random number and a short scan (endpoints have a handful of variants).
 */
export function variantPicker(weights: readonly number[], random: Random): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) cumulative.push((total += weight));
  return () => {
    const point = random() * total;
    for (let i = 0; i < cumulative.length; i++) if (point < cumulative[i]!) return i;
    return cumulative.length - 1;
  };
}
