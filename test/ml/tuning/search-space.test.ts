import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/ml/features/seeded-random.js';
import { checkSearchSpace, sampleSpace } from '../../../src/ml/tuning/search-space.js';
import { checkTuneSpec } from '../../../src/ml/tuning/tune-spec.js';

describe('search spaces', () => {
  it('draws within every range: log-uniform, integers, choices; the same seed draws the same', () => {
    const space = {
      learningRate: { min: 0.001, max: 1, log: true },
      maxDepth: { min: 2, max: 5, integer: true },
      growPolicy: { choices: ['depthwise', 'lossguide'] },
      subsample: { min: 0.5, max: 1 },
    };
    const random = seededRandom(3);
    const draws = Array.from({ length: 2000 }, () => sampleSpace(space, random));
    const rates = draws.map((d) => d['learningRate'] as number);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(0.001);
    expect(Math.max(...rates)).toBeLessThanOrEqual(1);
    // Log-uniform: about a third of the draws in each decade of [1e-3, 1].
    const belowHundredth = rates.filter((r) => r < 0.01).length / rates.length;
    expect(belowHundredth).toBeGreaterThan(0.28);
    expect(belowHundredth).toBeLessThan(0.39);
    expect(new Set(draws.map((d) => d['maxDepth']))).toEqual(new Set([2, 3, 4, 5]));
    expect(new Set(draws.map((d) => d['growPolicy']))).toEqual(new Set(['depthwise', 'lossguide']));
    const again = seededRandom(3);
    expect(sampleSpace(space, again)).toEqual(draws[0]);
  });

  it('refuses malformed spaces and budgets, naming the key', () => {
    expect(() => checkSearchSpace({ l2: { min: 0, max: 1, log: true } })).toThrow(
      /tune.space.l2: a log range needs min > 0/,
    );
    expect(() => checkSearchSpace({ l2: { min: 2, max: 1 } })).toThrow(/must not exceed max/);
    expect(() => checkSearchSpace({ k: { choices: [] } })).toThrow(/non-empty/);
    expect(() => checkSearchSpace({ k: { min: 1.2, max: 1.8, integer: true } })).toThrow(
      /no integer/,
    );
    expect(() => checkTuneSpec({ trials: 0 })).toThrow(/tune.trials must be an integer from 1/);
    expect(() => checkTuneSpec({ trials: 3, strategy: 'grid' as 'random' })).toThrow(
      /tune.strategy must be one of random, halving/,
    );
  });
});
