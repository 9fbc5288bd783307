import { attribute, encodeOnnxModel, type OnnxNode, type OnnxTensor } from '../onnx/onnx-model.js';
import type { FeatureSchema } from './algorithm.js';
import type { DesignLayout } from './design-matrix.js';

type Initializer = OnnxTensor & { readonly name: string };

/** What a linear score exports: its layout, weights per output block and the link. */
export interface LinearScore {
  readonly name: string;
  readonly layout: DesignLayout;
  /** Blocks of `layout.width + 1` coefficients, intercept first, one per output. */
  readonly coefficients: Float64Array;
  readonly blocks: number;
  readonly link: 'identity' | 'sigmoid' | 'softmax';
  readonly metadata: Record<string, string>;
}

/**
 * An ONNX model of a linear score (linear and logistic regression): the design matrix of
 * design-matrix.ts rebuilt from the raw feature row (numbers standardised with missing at
 * 0, each categorical one-hot by comparing its code with its levels, so a missing or unseen
 * code has no column set), then one MatMul and Add, then the link. Input `features`
 * (doubles, one row per record, categoricals as their codes, -1 missing), output
 * `predictions` (one column per block).
 */
export function linearScoreToOnnx(
  score: LinearScore,
  schema: readonly FeatureSchema[],
): Uint8Array {
  const { layout } = score;
  const nodes: OnnxNode[] = [];
  const initializers: Initializer[] = [];
  const parts: string[] = [];
  const positions = (kind: FeatureSchema['kind']) =>
    schema.flatMap((f, i) => (f.kind === kind ? [i] : []));

  const numeric = positions('numeric');
  if (numeric.length > 0) {
    initializers.push(
      { name: 'numeric_columns', type: 'int64', dims: [numeric.length], values: numeric },
      {
        name: 'means',
        type: 'double',
        dims: [numeric.length],
        values: layout.numeric.map((n) => n.mean),
      },
      {
        name: 'scales',
        type: 'double',
        dims: [numeric.length],
        values: layout.numeric.map((n) => n.scale),
      },
      { name: 'zero', type: 'double', dims: [], values: [0] },
    );
    nodes.push(
      {
        opType: 'Gather',
        inputs: ['features', 'numeric_columns'],
        outputs: ['numeric_raw'],
        attributes: { axis: attribute.int(1) },
      },
      { opType: 'Sub', inputs: ['numeric_raw', 'means'], outputs: ['numeric_centred'] },
      { opType: 'Div', inputs: ['numeric_centred', 'scales'], outputs: ['numeric_scaled'] },
      { opType: 'IsNaN', inputs: ['numeric_raw'], outputs: ['numeric_missing'] },
      {
        opType: 'Where',
        inputs: ['numeric_missing', 'zero', 'numeric_scaled'],
        outputs: ['numeric'],
      },
    );
    parts.push('numeric');
  }
  positions('categorical').forEach((position, j) => {
    const levels = layout.categorical[j]!.levels;
    const at = (what: string) => `categorical_${j}_${what}`;
    initializers.push(
      { name: at('column'), type: 'int64', dims: [1], values: [position] },
      {
        name: at('levels'),
        type: 'double',
        dims: [levels],
        values: Array.from({ length: levels }, (_, l) => l),
      },
    );
    nodes.push(
      {
        opType: 'Gather',
        inputs: ['features', at('column')],
        outputs: [at('code')],
        attributes: { axis: attribute.int(1) },
      },
      { opType: 'Equal', inputs: [at('code'), at('levels')], outputs: [at('is')] },
      // TensorProto.DOUBLE
      {
        opType: 'Cast',
        inputs: [at('is')],
        outputs: [at('onehot')],
        attributes: { to: attribute.int(11) },
      },
    );
    parts.push(at('onehot'));
  });

  const stride = layout.width + 1;
  const weights = new Float64Array(layout.width * score.blocks);
  const bias = new Float64Array(score.blocks);
  for (let k = 0; k < score.blocks; k++) {
    bias[k] = score.coefficients[k * stride]!;
    for (let j = 0; j < layout.width; j++)
      weights[j * score.blocks + k] = score.coefficients[k * stride + 1 + j]!;
  }
  initializers.push(
    { name: 'weights', type: 'double', dims: [layout.width, score.blocks], values: weights },
    { name: 'bias', type: 'double', dims: [score.blocks], values: bias },
  );
  nodes.push(
    {
      opType: 'Concat',
      inputs: parts,
      outputs: ['design'],
      attributes: { axis: attribute.int(1) },
    },
    { opType: 'MatMul', inputs: ['design', 'weights'], outputs: ['scores'] },
    { opType: 'Add', inputs: ['scores', 'bias'], outputs: ['margin'] },
    score.link === 'identity'
      ? { opType: 'Identity', inputs: ['margin'], outputs: ['predictions'] }
      : score.link === 'sigmoid'
        ? { opType: 'Sigmoid', inputs: ['margin'], outputs: ['predictions'] }
        : {
            opType: 'Softmax',
            inputs: ['margin'],
            outputs: ['predictions'],
            attributes: { axis: attribute.int(-1) },
          },
  );
  return encodeOnnxModel({
    opsets: { '': 21 },
    docString: `Lakebox ${score.name}`,
    metadata: { feature_schema: JSON.stringify(schema), ...score.metadata },
    graph: {
      name: score.name,
      inputs: [{ name: 'features', type: 'double', shape: ['N', schema.length] }],
      outputs: [{ name: 'predictions', type: 'double', shape: ['N', score.blocks] }],
      initializers,
      nodes,
    },
  });
}
