import { text } from 'node:stream/consumers';
import { LakeError } from '../../errors/lake-error.js';
import { LAKEBOX_VERSION } from '../../lakebox-version.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { FeatureSchema, ProblemType } from '../algorithms/algorithm.js';
import type { EvaluationDetails } from '../evaluation/evaluation-details.js';
import type { TrainedModel } from '../training/train-model.js';

/**
 * A model version's document (model.json in the `models` zone): everything needed to use
 * it without the lake that trained it: the feature schema (names, kinds, sources, category
 * levels), the algorithm's portable model, metrics, importance and lineage (input table
 * and snapshot or query, parameters, seed, Lakebox version).
 */
export interface ModelArtifact {
  readonly format: 'lakebox-model/1';
  readonly name: string;
  readonly algorithm: string;
  readonly problem: ProblemType;
  readonly classes: readonly string[] | null;
  readonly features: readonly FeatureSchema[];
  readonly target: unknown;
  readonly metrics: Record<string, number>;
  readonly importance: Record<string, number>;
  /** What the report draws: curves, confusion matrix, residual sample (trained models). */
  readonly evaluation?: EvaluationDetails;
  /** The search that chose the model, when it was tuned or AutoML'd. */
  readonly tuning?: unknown;
  readonly lineage: Record<string, unknown>;
  readonly model: unknown;
}

/** The artifact of a finished training (plain data, stable key order: same bytes for same inputs). */
export function modelArtifact(name: string, trained: TrainedModel): ModelArtifact {
  return {
    format: 'lakebox-model/1',
    name,
    algorithm: trained.algorithm,
    problem: trained.plan.problem,
    classes: trained.plan.classes ?? null,
    features: trained.plan.features,
    target: trained.plan.target ?? null,
    metrics: trained.metrics,
    importance: trained.importance,
    evaluation: trained.evaluation,
    // Without the times, so the same data, parameters and seed give the same bytes.
    ...(trained.tuning
      ? {
          tuning: {
            ...trained.tuning,
            trials: trained.tuning.trials.map(({ ms: _ms, ...trial }) => trial),
          },
        }
      : {}),
    lineage: { ...trained.lineage, lakebox: LAKEBOX_VERSION },
    model: trained.document,
  };
}

/** @throws LakeError MALFORMED_FILE when the object is not a model document. */
export async function readModelArtifact(store: ObjectStore, key: string): Promise<ModelArtifact> {
  const body = await text(await store.get(key));
  let artifact: Partial<ModelArtifact>;
  try {
    artifact = JSON.parse(body) as Partial<ModelArtifact>;
  } catch (cause) {
    throw new LakeError('MALFORMED_FILE', `${key} is not a model document (not JSON).`, { cause });
  }
  if (!artifact.algorithm || !Array.isArray(artifact.features) || artifact.model === undefined)
    throw new LakeError(
      'MALFORMED_FILE',
      `${key} is not a model document: it lacks algorithm, features or model.`,
    );
  return artifact as ModelArtifact;
}
