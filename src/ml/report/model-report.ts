/**
 * A trained model's report: its test metrics (with the confusion matrix at the threshold),
 * feature importance by gain, the search that chose it, and SVG charts written beside the
 * model in the `models` zone. Everything is read from the stored artifact, so a report can be
 * drawn again at any time, by any process, and gives the same charts.
 */
import { text } from 'node:stream/consumers';
import { LakeError } from '../../errors/lake-error.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { ProblemType } from '../algorithms/algorithm.js';
import type { EvaluationDetails } from '../evaluation/evaluation-details.js';
import type { ValidationMetric } from '../tuning/validation-metric.js';
import type { LocatedModel } from './model-locator.js';
import { renderSvg } from './render-svg.js';
import {
  importanceChart,
  precisionRecallChart,
  residualsChart,
  rocChart,
  type ChartName,
} from './report-charts.js';
import type { TopLevelSpec } from 'vega-lite';

export interface ModelReport {
  readonly ref: string;
  readonly name: string;
  readonly algorithm: string;
  readonly problem: ProblemType;
  readonly classes: readonly string[] | null;
  /** Test metrics: binary auc, logloss, accuracy, precision, recall, f1; multiclass accuracy, macroF1; regression rmse, mae, r2, mape. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The probability at and above which a binary model predicts the positive class. */
  readonly threshold?: number;
  /** Rows are actual classes, columns predicted, in the order of `classes`. */
  readonly confusion?: readonly (readonly number[])[];
  /** By gain, the largest first. */
  readonly importance: readonly { readonly feature: string; readonly gain: number }[];
  readonly tuning?: {
    readonly strategy: string;
    readonly auto: boolean;
    readonly metric: ValidationMetric;
    readonly best: number;
    readonly trials: number;
  };
  /** Store keys of the charts written, by chart. */
  readonly charts: Partial<Record<ChartName, string>>;
}

interface StoredArtifact {
  name: string;
  algorithm: string;
  problem: ProblemType;
  classes: string[] | null;
  metrics: Record<string, number>;
  importance: Record<string, number>;
  evaluation?: EvaluationDetails;
  tuning?: {
    strategy: string;
    auto: boolean;
    metric: ValidationMetric;
    best: number;
    trials: unknown[];
  };
}

/** Reads the artifact in `located.folder` and writes the charts that fit its problem beside it. */
export async function reportModel(store: ObjectStore, located: LocatedModel): Promise<ModelReport> {
  const key = `${located.folder}/model.json`;
  const artifact = await readArtifact(store, key, located.ref);
  const evaluation = artifact.evaluation ?? {};
  const specs: Partial<Record<ChartName, TopLevelSpec>> = {};
  if (evaluation.curves) {
    specs.roc = rocChart(evaluation.curves, artifact.metrics['auc']);
    specs.pr = precisionRecallChart(evaluation.curves);
  }
  if (evaluation.residuals) specs.residuals = residualsChart(evaluation.residuals);
  if (Object.keys(artifact.importance).length > 0)
    specs.importance = importanceChart(artifact.importance);
  const charts: Partial<Record<ChartName, string>> = {};
  for (const [chart, spec] of Object.entries(specs) as [ChartName, TopLevelSpec][]) {
    const chartKey = `${located.folder}/${chart}.svg`;
    await store.put(chartKey, Buffer.from(await renderSvg(spec)), { contentType: 'image/svg+xml' });
    charts[chart] = chartKey;
  }
  return {
    ref: located.ref,
    name: artifact.name,
    algorithm: artifact.algorithm,
    problem: artifact.problem,
    classes: artifact.classes,
    metrics: artifact.metrics,
    ...(evaluation.threshold === undefined ? {} : { threshold: evaluation.threshold }),
    ...(evaluation.confusion ? { confusion: evaluation.confusion } : {}),
    importance: Object.entries(artifact.importance)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([feature, gain]) => ({ feature, gain })),
    ...(artifact.tuning
      ? {
          tuning: {
            strategy: artifact.tuning.strategy,
            auto: artifact.tuning.auto,
            metric: artifact.tuning.metric,
            best: artifact.tuning.best,
            trials: artifact.tuning.trials.length,
          },
        }
      : {}),
    charts,
  };
}

async function readArtifact(store: ObjectStore, key: string, ref: string): Promise<StoredArtifact> {
  try {
    return JSON.parse(await text(await store.get(key))) as StoredArtifact;
  } catch (error) {
    if (error instanceof LakeError && error.code === 'OBJECT_NOT_FOUND')
      throw new LakeError(
        'RUN_NOT_FOUND',
        `The model of ${ref} is not in the store (${key} is missing): was it removed?`,
        { cause: error },
      );
    throw error;
  }
}
