/**
 * A bounded, spread-out sample: the first and last items and evenly spaced ones between,
 * so that files written early and late (where schemas drift) are both looked at.
 */
export function sampleSpread<T>(items: readonly T[], count: number): { sampled: T[]; rest: T[] } {
  if (items.length <= count) return { sampled: [...items], rest: [] };
  const picked = new Set<number>();
  for (let i = 0; i < count; i++)
    picked.add(Math.round((i * (items.length - 1)) / Math.max(1, count - 1)));
  const sampled: T[] = [];
  const rest: T[] = [];
  items.forEach((item, index) => (picked.has(index) ? sampled : rest).push(item));
  return { sampled, rest };
}

/** Groups items by a key, keeping first-seen order. */
export function groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
