import { describe, expect, it } from 'vitest';
import type { FitProgress, TrainingSet } from '../../../../src/ml/algorithms/algorithm.js';
import { gbdt, type GbdtModel } from '../../../../src/ml/algorithms/gbdt/gbdt.js';
import { seededRandom } from '../../../../src/ml/features/seeded-random.js';
import { isLakeError } from '../../../../src/errors/lake-error.js';
import { bandsSet, gaussian, makeSet, mean, productSet, rmse, xorSet } from './synthetic-data.js';

const fit = (
  data: TrainingSet,
  params: Record<string, unknown>,
  extra: Partial<Parameters<typeof gbdt.fit>[1]> = {},
) => gbdt.fit(data, { problem: 'regression', params: gbdt.params(params), seed: 1, ...extra });

/** Rounded, with -0 as 0. */
const rounded = (v: number) => Math.round(v) + 0;

const leavesOf = (model: GbdtModel) =>
  model.trees.map((t) => t.left.filter((l) => l === -1).length);

describe('gbdt: learning known functions', () => {
  it('learns y = x1 * x2 far better than the mean', async () => {
    const train = productSet(4000, 1);
    const test = productSet(1000, 2);
    const model = await fit(train, { rounds: 200, learningRate: 0.1, maxDepth: 4 });
    const predicted = gbdt.predict(model, test).values;
    const baseline = rmse(new Float64Array(test.rows).fill(mean(train.target!)), test.target!);
    expect(baseline).toBeGreaterThan(1);
    expect(rmse(predicted, test.target!)).toBeLessThan(0.2 * baseline);
  });

  it('learns XOR (no single feature tells the classes apart)', async () => {
    const train = xorSet(4000, 3);
    const test = xorSet(1000, 4);
    const model = await fit(
      train,
      { rounds: 50, maxDepth: 3 },
      { problem: 'binary', classes: ['no', 'yes'] },
    );
    const { values, width } = gbdt.predict(model, test);
    expect(width).toBe(1);
    let correct = 0;
    values.forEach((p, i) => (correct += (p > 0.5 ? 1 : 0) === test.target![i] ? 1 : 0));
    // 5% of labels are flipped, so 95% is the ceiling; a constant gets about 50%.
    expect(correct / test.rows).toBeGreaterThan(0.92);
  });

  it('learns three classes with softmax, probabilities summing to 1', async () => {
    const train = bandsSet(3000, 5);
    const test = bandsSet(600, 6);
    const model = await fit(
      train,
      { rounds: 60, maxDepth: 4 },
      { problem: 'multiclass', classes: ['a', 'b', 'c'] },
    );
    const { values, width } = gbdt.predict(model, test);
    expect(width).toBe(3);
    expect(model.trees).toHaveLength(60 * 3);
    let correct = 0;
    for (let i = 0; i < test.rows; i++) {
      const p = values.subarray(i * 3, i * 3 + 3);
      expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 12);
      const argmax = p.indexOf(Math.max(...p));
      correct += argmax === test.target![i] ? 1 : 0;
    }
    expect(correct / test.rows).toBeGreaterThan(0.93);
  });

  it('ranks the informative features above the noise by gain', async () => {
    const model = await fit(productSet(3000, 7), { rounds: 50, maxDepth: 3 });
    const importance = gbdt.importance!(model);
    expect(Object.keys(importance)).toEqual(['x1', 'x2', 'noise']);
    expect(importance.x1!).toBeGreaterThan(10 * importance.noise!);
    expect(importance.x2!).toBeGreaterThan(10 * importance.noise!);
  });
});

describe('gbdt: missing values and categories', () => {
  it('sends missing values down a learned default direction', async () => {
    // y = x where x is known; missing x hides rows whose y is 10, above every known value.
    const data = makeSet(
      3000,
      ['x'],
      (r) => (r() < 0.2 ? { x: [NaN], y: 10 } : ((x) => ({ x: [x], y: x }))(r() * 5)),
      8,
    );
    const model = await fit(data, { rounds: 100, learningRate: 0.3, maxDepth: 3 });
    const frame = {
      rows: 3,
      features: [{ name: 'x', kind: 'numeric' as const, values: Float64Array.of(NaN, 1, 4) }],
    };
    const [missing, one, four] = gbdt.predict(model, frame).values;
    expect(missing).toBeCloseTo(10, 0);
    expect(one).toBeCloseTo(1, 0);
    expect(four).toBeCloseTo(4, 0);
  });

  it('splits a categorical feature into the set of categories that matters, without one-hot', async () => {
    const levels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const high = new Set([0, 2, 5]); // a, c, f
    const rows = 2000;
    const random = seededRandom(9);
    const codes = new Int32Array(rows);
    const target = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      codes[i] = Math.floor(random() * levels.length);
      target[i] = (high.has(codes[i]!) ? 3 : 0) + 0.1 * gaussian(random);
    }
    const data: TrainingSet = {
      rows,
      features: [{ name: 'letter', kind: 'categorical', values: codes, levels }],
      target,
    };
    const model = await fit(data, { rounds: 30, learningRate: 0.3, maxDepth: 1 });
    // One split separates the groups: the first tree's root holds {a, c, f} or its complement.
    const set = Array.from(model.trees[0]!.categories.get(0)!);
    expect([
      [0, 2, 5],
      [1, 3, 4, 6, 7],
    ]).toContainEqual(set);
    const frame = {
      rows: 4,
      features: [
        { name: 'letter', kind: 'categorical' as const, values: Int32Array.of(0, 1, 5, 7), levels },
      ],
    };
    const predicted = Array.from(gbdt.predict(model, frame).values);
    expect(predicted.map(rounded)).toEqual([3, 0, 3, 0]);
  });

  it('sends categories beyond maxBins and missing codes the default way', async () => {
    // Ten levels, 4 bins: the three most frequent get bins, the rest share the missing bin.
    const levels = Array.from({ length: 10 }, (_, i) => `l${i}`);
    const rows = 4000;
    const random = seededRandom(10);
    const codes = new Int32Array(rows);
    const target = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      // Levels 0-2 are frequent (y = 0); 3-9 are rare, and they and missing rows have y = 5.
      const frequent = random() < 0.7;
      codes[i] = frequent
        ? Math.floor(random() * 3)
        : random() < 0.5
          ? -1
          : 3 + Math.floor(random() * 7);
      target[i] = frequent ? 0 : 5;
    }
    const data: TrainingSet = {
      rows,
      features: [{ name: 'c', kind: 'categorical', values: codes, levels }],
      target,
    };
    const model = await fit(data, { rounds: 40, learningRate: 0.3, maxDepth: 2, maxBins: 4 });
    const frame = {
      rows: 4,
      features: [
        { name: 'c', kind: 'categorical' as const, values: Int32Array.of(1, 8, -1, 3), levels },
      ],
    };
    expect(Array.from(gbdt.predict(model, frame).values).map(rounded)).toEqual([0, 5, 5, 5]);
  });
});

describe('gbdt: training controls', () => {
  it('stops early when the validation metric stops improving, keeping the best round', async () => {
    // Pure noise: after the mean is learnt, more trees only overfit.
    const noise = (seed: number) =>
      makeSet(600, ['x1', 'x2'], (r) => ({ x: [r(), r()], y: gaussian(r) }), seed);
    const progress: FitProgress[] = [];
    const model = await fit(
      noise(11),
      { rounds: 500, learningRate: 0.3, maxDepth: 6, minChildWeight: 0, earlyStoppingRounds: 5 },
      { validation: noise(12), onProgress: (p) => progress.push(p) },
    );
    const run = model.training!.roundsRun as number;
    expect(run).toBeLessThan(500);
    expect(progress).toHaveLength(run);
    expect(progress[0]).toMatchObject({ step: 1, total: 500, metric: { name: 'validation rmse' } });
    const metrics = progress.map((p) => p.metric!.value);
    const best = Math.min(...metrics);
    expect(model.rounds).toBe(metrics.indexOf(best) + 1);
    expect(run).toBe(model.rounds + 5);
    expect(model.trees).toHaveLength(model.rounds);
  });

  it('cancels between rounds when its signal aborts', async () => {
    const controller = new AbortController();
    const run = fit(
      productSet(500, 13),
      { rounds: 100 },
      {
        signal: controller.signal,
        onProgress: (p) => (p.step === 3 ? controller.abort() : undefined),
      },
    );
    await expect(run).rejects.toSatisfy(
      (e) => isLakeError(e, 'RUN_CANCELLED') && /round 3 of 100/.test(e.message),
    );
  });

  it('gives the same model byte for byte for the same seed, another with another seed', async () => {
    const data = productSet(2000, 14);
    const params = { rounds: 20, subsample: 0.7, colsample: 0.67 };
    const bytes = async (seed: number) =>
      JSON.stringify(gbdt.serialize(await fit(data, params, { seed })));
    const first = await bytes(5);
    expect(await bytes(5)).toBe(first);
    expect(await bytes(6)).not.toBe(first);
  });

  it('grows lossguide trees up to numLeaves, depthwise trees up to maxDepth', async () => {
    const data = productSet(3000, 15);
    const lossguide = await fit(data, {
      rounds: 5,
      growPolicy: 'lossguide',
      numLeaves: 7,
      maxDepth: 0,
    });
    expect(leavesOf(lossguide).every((n) => n === 7)).toBe(true);
    const depthwise = await fit(data, { rounds: 5, maxDepth: 2, minChildWeight: 0 });
    expect(leavesOf(depthwise).every((n) => n === 4)).toBe(true);
  });

  it('holds back splits by minChildWeight and gamma', async () => {
    const data = productSet(1000, 16);
    const loose = await fit(data, { rounds: 3, maxDepth: 8 });
    const heavy = await fit(data, { rounds: 3, maxDepth: 8, minChildWeight: 400 });
    const picky = await fit(data, { rounds: 3, maxDepth: 8, gamma: 1e9 });
    expect(Math.max(...leavesOf(heavy))).toBeLessThanOrEqual(2);
    expect(Math.min(...leavesOf(loose))).toBeGreaterThan(20);
    expect(leavesOf(picky)).toEqual([1, 1, 1]);
  });
});

describe('gbdt: serialization and inputs', () => {
  it('round-trips through JSON with equal predictions and equal bytes', async () => {
    const data = productSet(1000, 17);
    const model = await fit(data, { rounds: 10 });
    const text = JSON.stringify(gbdt.serialize(model));
    const back = gbdt.deserialize(JSON.parse(text));
    expect(JSON.stringify(gbdt.serialize(back))).toBe(text);
    expect(gbdt.predict(back, data).values).toEqual(gbdt.predict(model, data).values);
  });

  it('refuses a document that is not a model, naming what is wrong', async () => {
    const json = gbdt.serialize(await fit(productSet(200, 18), { rounds: 2 })) as {
      trees: { left: number[] }[];
    };
    json.trees[1]!.left[0] = 99;
    expect(() => gbdt.deserialize(json)).toThrow(/tree 1 node 0 has a child out of range/);
    expect(() => gbdt.deserialize({ format: 'other' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_FORMAT' }),
    );
  });

  it('reads parameters with defaults, snake_case aliases and checks naming the key', () => {
    expect(gbdt.params({})).toMatchObject({
      rounds: 100,
      learningRate: 0.1,
      maxDepth: 6,
      growPolicy: 'depthwise',
    });
    expect(gbdt.params({ max_depth: 3, min_child_weight: 2 })).toMatchObject({
      maxDepth: 3,
      minChildWeight: 2,
    });
    expect(() => gbdt.params({ depth: 3 })).toThrow(/Unknown gbdt parameter "depth"/);
    expect(() => gbdt.params({ maxBins: 300 })).toThrow(
      /maxBins must be an integer >= 2 and <= 255; got 300/,
    );
    expect(() => gbdt.params({ subsample: 0 })).toThrow(/subsample must be a number > 0/);
    expect(() => gbdt.params({ growPolicy: 'leafwise' })).toThrow(
      /growPolicy must be one of depthwise, lossguide/,
    );
  });

  it('refuses an empty set, a target outside the classes and rows with other features', async () => {
    const empty: TrainingSet = {
      rows: 0,
      features: [{ name: 'x', kind: 'numeric', values: new Float64Array() }],
      target: new Float64Array(),
    };
    await expect(fit(empty, {})).rejects.toThrow(/training set has no rows/);
    const data = xorSet(10, 19);
    data.target![4] = 2;
    await expect(fit(data, {}, { problem: 'binary', classes: ['a', 'b'] })).rejects.toThrow(
      /target at row 4 is 2, not a class index in \[0, 2\)/,
    );
    const model = await fit(productSet(100, 20), { rounds: 2 });
    expect(() => gbdt.predict(model, xorSet(5, 21))).toThrow(
      /features \[x1 \(numeric\), x2 \(numeric\)\] but the model was trained on/,
    );
  });

  it('treats infinities as extreme values', async () => {
    const data = makeSet(
      1000,
      ['x'],
      (r) =>
        ((x) => ({ x: [x < 0.05 ? -Infinity : x > 0.95 ? Infinity : x], y: x > 0.5 ? 1 : 0 }))(r()),
      22,
    );
    const model = await fit(data, { rounds: 20, learningRate: 0.5 });
    const frame = {
      rows: 2,
      features: [
        { name: 'x', kind: 'numeric' as const, values: Float64Array.of(-Infinity, Infinity) },
      ],
    };
    expect(Array.from(gbdt.predict(model, frame).values).map(rounded)).toEqual([0, 1]);
  });
});
