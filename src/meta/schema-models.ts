import type { Generated } from 'kysely';

type Json = string;

/** A model group: its name and the last version number it gave out. */
export interface ModelRow {
  name: string;
  last_version: number;
  created_at: number;
  updated_at: number;
}

/** One version of a model: where its artifact is, its status and its metrics. */
export interface ModelVersionRow {
  model_name: string;
  version: number;
  status: string;
  /** `trained` by a train run, or `xgboost` / `onnx` when imported. */
  origin: string;
  algorithm: string;
  problem: string;
  run_id: string | null;
  artifact_key: string;
  metrics: Json;
  created_at: number;
  status_at: number;
}

/** A name that points at one version of a model. */
export interface ModelAliasRow {
  model_name: string;
  alias: string;
  version: number;
  moved_at: number;
  moved_by: string;
}

/** One attempt to move an alias, and its outcome. */
export interface ModelAliasAuditRow {
  audit_id: Generated<number>;
  model_name: string;
  alias: string;
  from_version: number | null;
  to_version: number;
  expected_version: number | null;
  outcome: string;
  reason: string | null;
  moved_by: string;
  at: number;
}
