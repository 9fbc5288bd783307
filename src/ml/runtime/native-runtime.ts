import { algorithmNamed } from '../algorithms/algorithms.js';
import type { ModelArtifact } from '../registry/model-artifact.js';
import type { ModelRuntime } from './model-runtime.js';

/** The algorithm's own scorer over the artifact's portable model. */
export function nativeRuntime(artifact: ModelArtifact): ModelRuntime {
  const algorithm = algorithmNamed(artifact.algorithm);
  const model = algorithm.deserialize(artifact.model);
  return {
    name: 'native',
    predict: async (frame) => algorithm.predict(model, frame),
    close: async () => undefined,
  };
}
