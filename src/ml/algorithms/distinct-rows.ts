import type { TrainingSet } from './algorithm.js';

export interface DistinctRows {
  /** Groups of rows with equal feature values. */
  readonly groups: number;
  /** The first row of each group. */
  readonly representatives: Int32Array;
  /** The group of each row. */
  readonly groupOf: Int32Array;
}

/**
 * Groups the rows of a training set whose features are all equal (NaN equal to NaN). A loss
 * that depends on a row only through its features, its weight and its label sums the same
 * over a group's rows as over one row with the group's totals, so a fit may pass over the
 * groups instead of the rows: on flights, 3 M rows hold 0.86 M distinct ones.
 *
 * One pass with an open-addressing hash table over the values' bits; rows that collide are
 * compared value by value, so no two different rows share a group.
 */
export function distinctRows(data: TrainingSet): DistinctRows {
  const { rows, features } = data;
  const columns = features.map((f) => f.values);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  const hashOf = (row: number): number => {
    let h = 0x811c9dc5;
    for (const column of columns) {
      const v = column[row]!;
      bits[0] = Number.isNaN(v) ? NaN : v + 0; // one NaN pattern; -0 as 0
      h = Math.imul(h ^ words[0]!, 0x01000193);
      h = Math.imul(h ^ words[1]!, 0x01000193);
    }
    return (h ^ (h >>> 15)) >>> 0;
  };
  const same = (a: number, b: number): boolean => {
    for (const column of columns) {
      const x = column[a]!;
      const y = column[b]!;
      if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
    }
    return true;
  };
  let size = 1;
  while (size < rows * 2) size <<= 1;
  const mask = size - 1;
  const table = new Int32Array(size).fill(-1);
  const groupOf = new Int32Array(rows);
  const representatives: number[] = [];
  for (let row = 0; row < rows; row++) {
    let slot = hashOf(row) & mask;
    for (;;) {
      const group = table[slot]!;
      if (group === -1) {
        table[slot] = representatives.length;
        groupOf[row] = representatives.length;
        representatives.push(row);
        break;
      }
      if (same(row, representatives[group]!)) {
        groupOf[row] = group;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return {
    groups: representatives.length,
    representatives: Int32Array.from(representatives),
    groupOf,
  };
}
