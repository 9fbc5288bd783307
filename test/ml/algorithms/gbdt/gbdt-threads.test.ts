import { describe, expect, it } from 'vitest';
import { gbdt } from '../../../../src/ml/algorithms/gbdt/gbdt.js';
import { productSet } from './synthetic-data.js';

// Enough rows that nodes are split among threads (a pool starts from 65,536 rows).
const ROWS = 100_000;

describe('gbdt on worker threads', () => {
  it('grows the same trees on 2 threads as on 1, up to the order of floating-point sums, and the same bytes every time', async () => {
    const data = productSet(ROWS, 3);
    const params = gbdt.params({ rounds: 8, maxDepth: 5, earlyStoppingRounds: 0 });
    const fit = (threads: number) =>
      gbdt.fit(data, { problem: 'regression', params, seed: 1, threads });
    const one = await fit(1);
    const two = await fit(2);
    const again = await fit(2);
    expect(JSON.stringify(gbdt.serialize(again))).toBe(JSON.stringify(gbdt.serialize(two)));
    // The same splits: only the sums' last bits may differ.
    expect(two.trees.map((t) => Array.from(t.feature))).toEqual(
      one.trees.map((t) => Array.from(t.feature)),
    );
    expect(two.trees.map((t) => Array.from(t.threshold))).toEqual(
      one.trees.map((t) => Array.from(t.threshold)),
    );
    const a = gbdt.predict(one, data).values;
    const b = gbdt.predict(two, data).values;
    let worst = 0;
    for (let i = 0; i < ROWS; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(worst).toBeLessThan(1e-9);
  });
});
