/** One isolation tree in flat arrays; a node with `feature` -1 is a leaf of `size` rows. */
export interface IsolationTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly size: Int32Array;
}

export interface IsolationForestModel {
  readonly trees: readonly IsolationTree[];
  /** Rows each tree was grown on. */
  readonly sampleSize: number;
  /** What a missing number is read as: its training mean. */
  readonly fill: readonly number[];
}

/** The average path length of an unsuccessful search in a binary search tree of n keys. */
export function averagePath(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}
