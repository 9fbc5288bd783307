import type { DesignMatrix } from '../design-matrix.js';

/**
 * Squared distances from encoded rows to centroids without materialising one-hot columns:
 * for a categorical block, |x - c|² = |c_block|² - 2 c[code] + 1 (or |c_block|² when the
 * level is missing).
 */
export class CentroidDistances {
  readonly #blockSquares: Float64Array;

  constructor(
    private readonly design: DesignMatrix,
    private readonly centroids: Float64Array,
    private readonly k: number,
  ) {
    const { categorical, width } = design.layout;
    this.#blockSquares = new Float64Array(k * categorical.length);
    for (let c = 0; c < k; c++)
      categorical.forEach(({ offset, levels }, g) => {
        let sum = 0;
        for (let l = 0; l < levels; l++) sum += centroids[c * width + offset + l]! ** 2;
        this.#blockSquares[c * categorical.length + g] = sum;
      });
  }

  distance(row: number, c: number): number {
    const { numeric, codes } = this.design;
    const width = this.design.layout.width;
    const base = c * width;
    let d = 0;
    for (let j = 0; j < numeric.length; j++)
      d += (numeric[j]![row]! - this.centroids[base + j]!) ** 2;
    for (let g = 0; g < codes.length; g++) {
      d += this.#blockSquares[c * codes.length + g]!;
      const code = codes[g]![row]!;
      if (code >= 0) d += 1 - 2 * this.centroids[base + code]!;
    }
    return Math.max(0, d);
  }

  nearest(row: number): { cluster: number; distance: number } {
    let cluster = 0;
    let distance = Infinity;
    for (let c = 0; c < this.k; c++) {
      const d = this.distance(row, c);
      if (d < distance) {
        distance = d;
        cluster = c;
      }
    }
    return { cluster, distance };
  }
}
