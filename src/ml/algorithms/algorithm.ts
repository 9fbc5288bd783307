/**
 * The seam between training (`ml/training/`) and the algorithms in `ml/algorithms/<name>/`.
 * Data reaches an algorithm as typed columns, never as row objects: numbers as Float64Array
 * (NaN for missing), categoricals as Int32Array codes into `levels` (-1 for missing).
 */

export type ProblemType = 'binary' | 'multiclass' | 'regression' | 'clustering' | 'anomaly';

export type NumericFeature = {
  readonly name: string;
  readonly kind: 'numeric';
  readonly values: Float64Array;
};

export type CategoricalFeature = {
  readonly name: string;
  readonly kind: 'categorical';
  /** Codes into `levels`; -1 is missing (or a level unseen in training). */
  readonly values: Int32Array;
  readonly levels: readonly string[];
};

export type Feature = NumericFeature | CategoricalFeature;

/** Columns of equal length `rows`, in the order of the model's feature schema. */
export interface FeatureFrame {
  readonly rows: number;
  readonly features: readonly Feature[];
}

export interface TrainingSet extends FeatureFrame {
  /**
   * Regression: the value. Binary: 0 or 1. Multiclass: the class index in `classes`.
   * Absent for clustering and anomaly detection.
   */
  readonly target?: Float64Array;
  /** Per-row weights (class weights for imbalance are folded in here); 1 when absent. */
  readonly weights?: Float64Array;
}

export interface FitRequest<Params> {
  readonly problem: ProblemType;
  /** Class labels for binary (negative first) and multiclass problems. */
  readonly classes?: readonly string[];
  readonly params: Params;
  readonly seed: number;
  /** Held-out rows for early stopping and progress; never used to fit. */
  readonly validation?: TrainingSet;
  /** Worker threads the algorithm may use (2 unless told). */
  readonly threads?: number;
  readonly signal?: AbortSignal;
  /** Called as training goes: e.g. round 40 of 100, validation log loss 0.51. */
  onProgress?(progress: FitProgress): void;
}

export interface FitProgress {
  readonly step: number;
  readonly total: number;
  readonly metric?: { readonly name: string; readonly value: number };
}

/**
 * What a model predicts for each row. binary: P(class 1); multiclass: `rows * classes`
 * probabilities, row-major; regression: the value; clustering: the cluster index;
 * anomaly: a score in [0, 1], higher is more anomalous.
 */
export interface Predictions {
  readonly values: Float64Array;
  /** Columns per row of `values`: the class count for multiclass, else 1. */
  readonly width: number;
}

/**
 * One algorithm. Implementations are hand-written (no well-kept JavaScript library trains
 * these at this level) and deterministic: the same data, params and seed give the same
 * model, so `serialize` gives the same bytes.
 */
export interface Algorithm<Params = Record<string, unknown>, Model = unknown> {
  readonly name: string;
  readonly problems: readonly ProblemType[];
  /** Fills in defaults and validates; throws LakeError INVALID_ARGUMENT naming the bad key. */
  params(given: Record<string, unknown>): Params;
  fit(data: TrainingSet, request: FitRequest<Params>): Promise<Model>;
  predict(model: Model, frame: FeatureFrame): Predictions;
  /** A portable JSON document (plain data; stable key order). */
  serialize(model: Model): unknown;
  deserialize(json: unknown): Model;
  /** Feature importance by total gain (or the algorithm's nearest analogue), by feature name. */
  importance?(model: Model): Record<string, number>;
  /** An ONNX model (bytes) whose output equals `predict` to 1e-5; absent where none exists. */
  toOnnx?(model: Model, schema: readonly FeatureSchema[]): Uint8Array;
}

/** A feature as the model records it: enough to encode new rows the way training did. */
export interface FeatureSchema {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** The input column it comes from (a timestamp gives several features, one per part). */
  readonly source: string;
  /** The source column's SQL type. */
  readonly sourceType: string;
  /** For a part of a timestamp: `year`, `month`, `day`, `weekday`, `hour`, ... */
  readonly part?: string;
  readonly levels?: readonly string[];
}
