import type { ProblemType } from '../algorithms/algorithm.js';

export const MODEL_STATUSES = ['pending', 'approved', 'rejected', 'archived'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** One registered version of a model. */
export interface ModelVersion {
  readonly model: string;
  readonly version: number;
  /** `pending` when registered; `approved`, `rejected`, `archived` as people decide. */
  readonly status: ModelStatus;
  /** `trained` by a train run, or the format it was imported from. */
  readonly origin: 'trained' | 'xgboost' | 'onnx';
  readonly algorithm: string;
  readonly problem: ProblemType;
  readonly runId: string | null;
  /** The version's model document (model.json) in the `models` zone. */
  readonly artifactKey: string;
  readonly metrics: Record<string, number>;
  /** Aliases that point at this version now. */
  readonly aliases: readonly string[];
  readonly createdAt: Date;
  readonly statusAt: Date;
}

/** A model group and where its versions stand. */
export interface ModelSummary {
  readonly name: string;
  readonly versions: number;
  readonly latest: number;
  readonly aliases: Readonly<Record<string, number>>;
  readonly updatedAt: Date;
}

/** One attempt to move an alias: who, from which version to which, and how it went. */
export interface AliasMove {
  readonly model: string;
  readonly alias: string;
  readonly from: number | null;
  readonly to: number;
  /** The version the mover expected the alias to hold, when it said. */
  readonly expected: number | null;
  readonly outcome: 'moved' | 'refused';
  readonly reason: string | null;
  readonly by: string;
  readonly at: Date;
}
