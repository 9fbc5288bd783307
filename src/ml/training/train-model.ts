import { tableReferences, withTableSession } from '../../engine/table-session.js';
import type { LakeServices } from '../../lake-services.js';
import type { ProblemType, TrainingSet } from '../algorithms/algorithm.js';
import {
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  algorithmNamed,
  type AlgorithmName,
} from '../algorithms/algorithms.js';
import { checkFeatureSpec, type FeatureSpec } from '../features/feature-spec.js';
import { planFeatures, type FeaturePlan } from '../features/feature-plan.js';
import { readFeatures } from '../features/read-features.js';
import { frameOf, splitRows } from '../features/split-rows.js';
import { evaluate } from '../evaluation/evaluate.js';
import { evaluationDetails, type EvaluationDetails } from '../evaluation/evaluation-details.js';
import { chooseModel, type ChosenModel } from '../tuning/model-search.js';
import type { TuneSpec } from '../tuning/tune-spec.js';
import { LakeError } from '../../errors/lake-error.js';

/** What to train: the input (a table or a query), the features and the algorithm. */
export interface TrainRequest extends FeatureSpec {
  /** `DATABASE.TABLE` to read at its current snapshot (or `snapshot`), or ... */
  readonly table?: string;
  readonly snapshot?: number;
  /** ... a SELECT over the lake. */
  readonly sql?: string;
  readonly algorithm?: AlgorithmName;
  readonly params?: Record<string, unknown>;
  readonly seed?: number;
  /** Search the algorithm's parameters: a budget of trials, ranked on the validation rows. */
  readonly tune?: TuneSpec;
  /** Try every algorithm that fits the problem, each with a small search; keep the best. */
  readonly auto?: boolean;
}

export interface TrainedModel {
  readonly algorithm: AlgorithmName;
  readonly plan: FeaturePlan;
  readonly model: unknown;
  readonly document: unknown;
  readonly metrics: Record<string, number>;
  readonly importance: Record<string, number>;
  /** Confusion matrix, curves, residual sample: what a report draws. */
  readonly evaluation: EvaluationDetails;
  /** The trials of a tuned or AutoML run. */
  readonly tuning?: ChosenModel['tuning'];
  readonly lineage: Record<string, unknown>;
  readonly rows: { train: number; validation: number; test: number; dropped: number };
}

export interface TrainHooks {
  readonly signal?: AbortSignal;
  /** `phase` is `fit`, or `trial N ALGORITHM` while a search runs. */
  onProgress?(
    step: number,
    total: number,
    metric?: { name: string; value: number },
    phase?: string,
  ): void;
}

/**
 * Reads the input through DuckDB into typed columns, splits it, fits the algorithm and
 * evaluates it on the held-out test rows. Used by the `train` run kind.
 */
export async function trainModel(
  services: LakeServices,
  request: TrainRequest,
  hooks: TrainHooks = {},
): Promise<TrainedModel> {
  checkFeatureSpec(request);
  if (request.auto && (request.algorithm !== undefined || request.params || request.tune?.space))
    throw new LakeError(
      'INVALID_ARGUMENT',
      "auto chooses the algorithm and searches each one's default space: leave out algorithm, params and tune.space (or name an algorithm and tune it instead).",
    );
  if ((request.table === undefined) === (request.sql === undefined))
    throw new LakeError('INVALID_ARGUMENT', 'Train from either table or sql: give exactly one.');
  const select = request.sql ?? `SELECT * FROM ${request.table}`;
  const queries = await services.queries();
  const asOf = request.snapshot === undefined ? {} : { asOf: request.snapshot };
  const bound = await Promise.all(
    (await tableReferences(queries, select)).map((ref) => queries.pin(ref, asOf)),
  );
  const seed = request.seed ?? 1;
  const { plan, read } = await withTableSession(queries, bound, async (session) => {
    const plan = await planFeatures(session, select, request);
    const read = await readFeatures(session, select, plan.features, {
      ...(plan.target
        ? {
            target: {
              column: plan.target.column,
              ...(plan.classes ? { classes: plan.classes } : {}),
            },
          }
        : {}),
      ...(request.weight ? { weight: request.weight } : {}),
      ...(request.split?.method === 'time' ? { time: request.split.column } : {}),
    });
    return { plan, read };
  });
  if (read.frame.rows === 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      'The input has no rows to train on (empty, or every target is null).',
    );
  const requested = request.algorithm ?? DEFAULT_ALGORITHM[plan.problem];
  const algorithm = algorithmNamed(requested);
  if (!request.auto && !algorithm.problems.includes(plan.problem))
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${requested} does not train ${plan.problem} models; use ${Object.entries(ALGORITHMS)
        .filter(([, a]) => (a.problems as readonly ProblemType[]).includes(plan.problem))
        .map(([n]) => n)
        .join(' or ')}.`,
    );
  const all: TrainingSet = {
    ...read.frame,
    ...(read.target ? { target: read.target } : {}),
    ...(withClassWeights(read.target, read.weights, plan, request) ?? {}),
  };
  const sets = splitRows(all, request.split ?? { method: 'random' }, seed, read.time);
  const chosen = await chooseModel(sets, {
    problem: plan.problem,
    ...(plan.classes ? { classes: plan.classes } : {}),
    algorithm: requested,
    params: request.params ?? {},
    ...(request.tune ? { tune: request.tune } : {}),
    ...(request.auto ? { auto: true } : {}),
    seed,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onProgress: (step, total, metric, phase) => hooks.onProgress?.(step, total, metric, phase),
  });
  const name = chosen.algorithm;
  const fitted = algorithmNamed(name);
  const { model, params } = chosen;
  const evaluated = sets.test.rows > 0 ? sets.test : sets.train;
  const predictions = fitted.predict(model, frameOf(evaluated));
  const classCount = plan.classes?.length ?? 0;
  const metrics = evaluate(plan.problem, evaluated, predictions, classCount);
  return {
    algorithm: name,
    plan,
    model,
    document: fitted.serialize(model),
    metrics,
    importance: fitted.importance?.(model) ?? {},
    evaluation: evaluationDetails(plan.problem, evaluated, predictions, classCount, seed),
    ...(chosen.tuning ? { tuning: chosen.tuning } : {}),
    lineage: {
      ...(request.table ? { table: request.table } : { sql: request.sql }),
      snapshots: bound.map((b) => ({
        table: b.pinned.table.fullName,
        snapshotId: b.pinned.snapshotId,
      })),
      params,
      seed,
      split: request.split ?? { method: 'random' },
      ...(request.tune ? { tune: request.tune } : {}),
      ...(request.auto ? { auto: true } : {}),
    },
    rows: {
      train: sets.train.rows,
      validation: sets.validation.rows,
      test: sets.test.rows,
      dropped: read.rowsDropped,
    },
  };
}

function withClassWeights(
  target: Float64Array | undefined,
  weights: Float64Array | undefined,
  plan: FeaturePlan,
  request: TrainRequest,
): { weights: Float64Array } | undefined {
  if (request.classWeight !== 'balanced' || !target || !plan.classes)
    return weights ? { weights } : undefined;
  const counts = new Array<number>(plan.classes.length).fill(0);
  for (const y of target) counts[y]! += 1;
  const out = new Float64Array(target.length);
  for (let i = 0; i < target.length; i++)
    out[i] = (weights?.[i] ?? 1) * (target.length / (plan.classes.length * counts[target[i]!]!));
  return { weights: out };
}
