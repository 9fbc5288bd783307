/**
 * The port through which serving reaches the model registry and its runtimes (wired by
 * lake.ts over `lake.ml`; serving never imports the ml module).
 */
export interface ServingModels {
  /**
   * The version a ref names now.
   * @throws LakeError MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, INVALID_ARGUMENT (a bad ref).
   */
  resolve(ref: string): Promise<{ model: string; version: number }>;
  /** Loads a version's runtime, ready to score: the load is paid here, never by a request. */
  load(model: string, version: number): Promise<LoadedModel>;
}

/** What a record field must hold. */
export interface ModelInput {
  readonly name: string;
  readonly type: 'number' | 'string' | 'timestamp';
}

export interface Scores {
  /** Per record: the class label (classifiers), the value (regression), cluster or score. */
  readonly predictions: unknown[];
  /** Per record, one probability per class of `classes` (classifiers only). */
  readonly probabilities?: number[][];
  readonly classes?: readonly string[];
}

export interface LoadedModel {
  readonly model: string;
  readonly version: number;
  readonly inputs: readonly ModelInput[];
  /** @throws LakeError INVALID_ARGUMENT for a record that lacks a feature or has a wrong type. */
  score(records: ReadonlyArray<Record<string, unknown>>): Promise<Scores>;
  close(): Promise<void>;
}
