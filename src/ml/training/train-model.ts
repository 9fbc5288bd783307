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
}

export interface TrainedModel {
  readonly algorithm: AlgorithmName;
  readonly plan: FeaturePlan;
  readonly model: unknown;
  readonly document: unknown;
  readonly metrics: Record<string, number>;
  readonly importance: Record<string, number>;
  readonly lineage: Record<string, unknown>;
  readonly rows: { train: number; validation: number; test: number; dropped: number };
}

export interface TrainHooks {
  readonly signal?: AbortSignal;
  onProgress?(step: number, total: number, metric?: { name: string; value: number }): void;
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
  const name = request.algorithm ?? DEFAULT_ALGORITHM[plan.problem];
  const algorithm = algorithmNamed(name);
  if (!algorithm.problems.includes(plan.problem))
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${name} does not train ${plan.problem} models; use ${Object.entries(ALGORITHMS)
        .filter(([, a]) => (a.problems as readonly ProblemType[]).includes(plan.problem))
        .map(([n]) => n)
        .join(' or ')}.`,
    );
  const params = algorithm.params(request.params ?? {});
  const all: TrainingSet = {
    ...read.frame,
    ...(read.target ? { target: read.target } : {}),
    ...(withClassWeights(read.target, read.weights, plan, request) ?? {}),
  };
  const sets = splitRows(all, request.split ?? { method: 'random' }, seed, read.time);
  const model = await algorithm.fit(sets.train, {
    problem: plan.problem,
    ...(plan.classes ? { classes: plan.classes } : {}),
    params: params as Record<string, unknown>,
    seed,
    validation: sets.validation,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onProgress: (p) => hooks.onProgress?.(p.step, p.total, p.metric),
  });
  const evaluated = sets.test.rows > 0 ? sets.test : sets.train;
  const metrics = evaluate(
    plan.problem,
    evaluated,
    algorithm.predict(model, frameOf(evaluated)),
    plan.classes?.length ?? 0,
  );
  return {
    algorithm: name,
    plan,
    model,
    document: algorithm.serialize(model),
    metrics,
    importance: algorithm.importance?.(model) ?? {},
    lineage: {
      ...(request.table ? { table: request.table } : { sql: request.sql }),
      snapshots: bound.map((b) => ({
        table: b.pinned.table.fullName,
        snapshotId: b.pinned.snapshotId,
      })),
      params,
      seed,
      split: request.split ?? { method: 'random' },
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
