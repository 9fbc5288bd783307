import type { FeatureFrame, Predictions } from '../algorithms/algorithm.js';

/** Where a model version's predictions are computed. */
export type RuntimeName = 'native' | 'onnx';

/**
 * The seam between a loaded model and what scores with it: the algorithm's own scorer in
 * JavaScript, or its ONNX export in onnxruntime-node. Both take the frame the model's
 * feature schema reads and give the same predictions (to 1e-5; the conformance suite in
 * test/ml/runtime holds every runtime to that).
 */
export interface ModelRuntime {
  readonly name: RuntimeName;
  predict(frame: FeatureFrame): Promise<Predictions>;
  /** Frees what the runtime holds (an ONNX session). */
  close(): Promise<void>;
}
