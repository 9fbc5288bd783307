import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type {
  FeatureFrame,
  FeatureSchema,
  ProblemType,
  TrainingSet,
} from '../../../../src/ml/algorithms/algorithm.js';
import { gbdt, type GbdtModel } from '../../../../src/ml/algorithms/gbdt/gbdt.js';
import { seededRandom } from '../../../../src/ml/features/seeded-random.js';
import { gaussian } from './synthetic-data.js';

const LEVELS = ['north', 'south', 'east', 'west', 'centre'];

/** A numeric feature with 10% missing, another plain, a categorical with 10% missing codes. */
function mixedSet(
  rows: number,
  seed: number,
  label: (x: number, z: number, c: number, r: () => number) => number,
): TrainingSet {
  const random = seededRandom(seed);
  const x = new Float64Array(rows);
  const z = new Float64Array(rows);
  const c = new Int32Array(rows);
  const target = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    x[i] = random() < 0.1 ? NaN : 4 * random() - 2;
    z[i] = gaussian(random);
    c[i] = random() < 0.1 ? -1 : Math.floor(random() * LEVELS.length);
    target[i] = label(x[i]!, z[i]!, c[i]!, random);
  }
  return {
    rows,
    features: [
      { name: 'x', kind: 'numeric', values: x },
      { name: 'z', kind: 'numeric', values: z },
      { name: 'region', kind: 'categorical', values: c, levels: LEVELS },
    ],
    target,
  };
}

const SCHEMA: FeatureSchema[] = [
  { name: 'x', kind: 'numeric', source: 'x', sourceType: 'DOUBLE' },
  { name: 'z', kind: 'numeric', source: 'z', sourceType: 'DOUBLE' },
  { name: 'region', kind: 'categorical', source: 'region', sourceType: 'VARCHAR', levels: LEVELS },
];

/** Row-major doubles, categorical codes as numbers (-1 for missing). */
function asMatrix(frame: FeatureFrame): Float64Array {
  const width = frame.features.length;
  const out = new Float64Array(frame.rows * width);
  frame.features.forEach((feature, f) => {
    for (let i = 0; i < frame.rows; i++) out[i * width + f] = feature.values[i]!;
  });
  return out;
}

async function onnxPredict(model: GbdtModel, frame: FeatureFrame): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(gbdt.toOnnx!(model, SCHEMA));
  try {
    const input = new ort.Tensor('float64', asMatrix(frame), [frame.rows, frame.features.length]);
    const { predictions } = await session.run({ features: input });
    return predictions!.data as Float64Array;
  } finally {
    await session.release();
  }
}

async function expectSamePredictions(model: GbdtModel, heldOut: FeatureFrame): Promise<void> {
  const native = gbdt.predict(model, heldOut).values;
  const exported = await onnxPredict(model, heldOut);
  expect(exported).toHaveLength(native.length);
  let worst = 0;
  native.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - exported[i]!))));
  expect(worst).toBeLessThan(1e-5);
}

const fitMixed = (
  problem: ProblemType,
  classes: string[] | undefined,
  params: Record<string, unknown>,
  label: Parameters<typeof mixedSet>[2],
) => gbdt.fit(mixedSet(3000, 1, label), { problem, classes, params: gbdt.params(params), seed: 3 });

describe('gbdt ONNX export (TreeEnsemble in onnxruntime-node)', () => {
  const heldOut = mixedSet(1000, 2, () => 0);

  it('regression: numeric cuts, missing directions and category sets give the native predictions', async () => {
    const model = await fitMixed(
      'regression',
      undefined,
      { rounds: 40, maxDepth: 5 },
      (x, z, c) => (Number.isNaN(x) ? 3 : x * x) + z + (c === 1 || c === 3 ? 2 : c === -1 ? -1 : 0),
    );
    expect(model.trees.some((t) => t.categories.size > 0)).toBe(true);
    expect(
      model.trees.some((t) =>
        t.defaultLeft.some((d, i) => d === 1 && !t.categories.has(i) && t.left[i] !== -1),
      ),
    ).toBe(true);
    await expectSamePredictions(model, heldOut);
  });

  it('binary: the sigmoid of the margins', async () => {
    const model = await fitMixed(
      'binary',
      ['no', 'yes'],
      { rounds: 30, growPolicy: 'lossguide', numLeaves: 12, maxDepth: 0 },
      (x, z, c, r) =>
        r() < 1 / (1 + Math.exp(-((Number.isNaN(x) ? 1 : x) + (c === 2 ? 2 : -0.5) + z))) ? 1 : 0,
    );
    await expectSamePredictions(model, heldOut);
  });

  it('multiclass: the softmax of one margin per class', async () => {
    const model = await fitMixed(
      'multiclass',
      ['a', 'b', 'c'],
      { rounds: 20, maxDepth: 4 },
      (x, z, c) => (c === 0 ? 0 : Number.isNaN(x) || x > 0.5 ? 1 : z > 0 ? 2 : 0),
    );
    await expectSamePredictions(model, heldOut);
  });

  it('a tree of a single leaf (no split found) still exports', async () => {
    const model = await fitMixed('regression', undefined, { rounds: 3, gamma: 1e12 }, (x) =>
      Number.isNaN(x) ? 0 : x,
    );
    expect(model.trees.every((t) => t.left.length === 1)).toBe(true);
    await expectSamePredictions(model, heldOut);
  });

  it('records the feature schema and classes in the model metadata', async () => {
    const model = await fitMixed('binary', ['no', 'yes'], { rounds: 2 }, (x) => (x > 0 ? 1 : 0));
    const session = await ort.InferenceSession.create(gbdt.toOnnx!(model, SCHEMA));
    try {
      expect(session.inputNames).toEqual(['features']);
      expect(session.outputNames).toEqual(['predictions']);
    } finally {
      await session.release();
    }
    const text = new TextDecoder().decode(gbdt.toOnnx!(model, SCHEMA));
    expect(text).toContain(JSON.stringify(SCHEMA));
    expect(text).toContain('["no","yes"]');
  });
});
