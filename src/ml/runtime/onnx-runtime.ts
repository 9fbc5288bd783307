import type * as Ort from 'onnxruntime-node';
import { LakeError } from '../../errors/lake-error.js';
import type { FeatureFrame } from '../algorithms/algorithm.js';
import type { ModelRuntime } from './model-runtime.js';

/**
 * An ONNX model in onnxruntime-node, loaded on first use (its native library is large and
 * only scoring through ONNX needs it). Lakebox's exports take one `features` input of
 * doubles, a row per record with categoricals as their codes (-1 missing), and give
 * `predictions`, one column per output.
 *
 * @throws LakeError MALFORMED_FILE when onnxruntime cannot load the bytes.
 */
export async function onnxRuntime(bytes: Uint8Array, label: string): Promise<ModelRuntime> {
  const ort = (await import('onnxruntime-node')) as typeof Ort;
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (cause) {
    throw new LakeError(
      'MALFORMED_FILE',
      `${label} is not an ONNX model onnxruntime can load: ${(cause as Error).message}`,
      { cause },
    );
  }
  // Lakebox's exports read `features` and give `predictions`; an imported model's first
  // input and its `predictions` output (else its first tensor output) are taken.
  const input = session.inputNames[0]!;
  const inputType = session.inputMetadata[0]?.isTensor ? session.inputMetadata[0].type : 'float64';
  const tensorOutputs = session.outputMetadata.filter((m) => m.isTensor).map((m) => m.name);
  const output = tensorOutputs.includes('predictions') ? 'predictions' : tensorOutputs[0];
  if (!output || (inputType !== 'float64' && inputType !== 'float32'))
    throw new LakeError(
      'UNSUPPORTED_FORMAT',
      `${label}: Lakebox scores ONNX models with one numeric input of a row per record and a tensor output; this one takes ${inputType} and gives ${session.outputNames.join(', ')}.`,
    );
  return {
    name: 'onnx',
    async predict(frame) {
      const width = frame.features.length;
      const matrix = rowMajor(frame);
      const tensor =
        inputType === 'float64'
          ? new ort.Tensor('float64', matrix, [frame.rows, width])
          : new ort.Tensor('float32', Float32Array.from(matrix), [frame.rows, width]);
      const results = await session.run({ [input]: tensor });
      const values = Float64Array.from(results[output]!.data as ArrayLike<number>);
      return { values, width: frame.rows ? values.length / frame.rows : 1 };
    },
    close: () => session.release(),
  };
}

function rowMajor(frame: FeatureFrame): Float64Array {
  const width = frame.features.length;
  const out = new Float64Array(frame.rows * width);
  frame.features.forEach((feature, f) => {
    for (let i = 0; i < frame.rows; i++) out[i * width + f] = feature.values[i]!;
  });
  return out;
}
