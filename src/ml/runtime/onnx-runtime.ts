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
  return {
    name: 'onnx',
    async predict(frame) {
      const width = frame.features.length;
      const input = new ort.Tensor('float64', rowMajor(frame), [frame.rows, width]);
      const { predictions } = await session.run({ features: input });
      const values = Float64Array.from(predictions!.data as Float64Array);
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
