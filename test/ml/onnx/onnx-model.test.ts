import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attribute, encodeOnnxModel } from '../../../src/ml/onnx/onnx-model.js';

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('encodeOnnxModel', () => {
  it('writes a linear model (MatMul, Add, Sigmoid over initializers) that onnxruntime runs', async () => {
    const bytes = encodeOnnxModel({
      opsets: { '': 21 },
      metadata: { schema: '[]' },
      graph: {
        name: 'logistic',
        inputs: [{ name: 'x', type: 'double', shape: ['N', 2] }],
        outputs: [{ name: 'p', type: 'double', shape: ['N', 1] }],
        initializers: [
          { name: 'w', type: 'double', dims: [2, 1], values: [0.5, -2] },
          { name: 'b', type: 'double', dims: [1], values: [0.25] },
        ],
        nodes: [
          { opType: 'MatMul', inputs: ['x', 'w'], outputs: ['xw'] },
          { opType: 'Add', inputs: ['xw', 'b'], outputs: ['z'] },
          { opType: 'Sigmoid', inputs: ['z'], outputs: ['p'] },
        ],
      },
    });
    const x = new Float64Array([1, 2, -3, 0.5]);
    const { p } = await run(bytes, { x: new ort.Tensor('float64', x, [2, 2]) });
    const expected = [1 * 0.5 - 2 * 2 + 0.25, -3 * 0.5 - 0.5 * 2 + 0.25].map(
      (z) => 1 / (1 + Math.exp(-z)),
    );
    const got = Array.from(p!.data as Float64Array);
    expect(got).toHaveLength(2);
    got.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 12));
  });

  it('writes int64, uint8 and string attributes and tensors (a TreeEnsemble with a set split)', async () => {
    // Tree: x0 in {2, 5} ? leaf 0 (10) : (x1 <= 1.5 (NaN true) ? leaf 1 (20) : leaf 2 (30)).
    const bytes = encodeOnnxModel({
      opsets: { '': 21, 'ai.onnx.ml': 5 },
      graph: {
        name: 'tree',
        inputs: [{ name: 'x', type: 'double', shape: ['N', 2] }],
        outputs: [{ name: 'y', type: 'double', shape: ['N', 1] }],
        nodes: [
          {
            opType: 'TreeEnsemble',
            domain: 'ai.onnx.ml',
            inputs: ['x'],
            outputs: ['y'],
            attributes: {
              n_targets: attribute.int(1),
              aggregate_function: attribute.int(1),
              post_transform: attribute.int(0),
              tree_roots: attribute.ints([0]),
              nodes_modes: attribute.tensor({ type: 'uint8', dims: [2], values: [6, 0] }),
              nodes_featureids: attribute.ints([0, 1]),
              nodes_splits: attribute.tensor({ type: 'double', dims: [2], values: [0, 1.5] }),
              nodes_truenodeids: attribute.ints([0, 1]),
              nodes_trueleafs: attribute.ints([1, 1]),
              nodes_falsenodeids: attribute.ints([1, 2]),
              nodes_falseleafs: attribute.ints([0, 1]),
              nodes_missing_value_tracks_true: attribute.ints([0, 1]),
              membership_values: attribute.tensor({ type: 'double', dims: [2], values: [2, 5] }),
              leaf_targetids: attribute.ints([0, 0, 0]),
              leaf_weights: attribute.tensor({ type: 'double', dims: [3], values: [10, 20, 30] }),
            },
          },
        ],
      },
    });
    const x = new Float64Array([5, 9, 1, 1, 1, 2, 1, NaN, NaN, 3]);
    const { y } = await run(bytes, { x: new ort.Tensor('float64', x, [5, 2]) });
    expect(Array.from(y!.data as Float64Array)).toEqual([10, 20, 30, 20, 30]);
  });

  it('refuses a tensor whose values do not fill its dims', () => {
    expect(() =>
      encodeOnnxModel({
        opsets: { '': 21 },
        graph: {
          name: 'bad',
          inputs: [],
          outputs: [],
          nodes: [],
          initializers: [{ name: 'w', type: 'double', dims: [2, 2], values: [1, 2, 3] }],
        },
      }),
    ).toThrow(/3 values for dims \[2, 2\]/);
  });
});
