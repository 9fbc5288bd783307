/**
 * Choosing the model a train run keeps: one fit of the named algorithm; a tuned search over
 * its parameters (`tune`); or AutoML (`auto`), a small search per algorithm that fits the
 * problem. Every fit of a search is a trial, ranked on the validation rows and recorded.
 */
import { LakeError } from '../../errors/lake-error.js';
import type { ProblemType, TrainingSet } from '../algorithms/algorithm.js';
import { ALGORITHMS, algorithmNamed, type AlgorithmName } from '../algorithms/algorithms.js';
import { evaluate } from '../evaluation/evaluate.js';
import { seededRandom } from '../features/seeded-random.js';
import { frameOf, takeRows } from '../features/split-rows.js';
import { DEFAULT_SPACES } from './default-spaces.js';
import { randomSearch } from './random-search.js';
import { sampleSpace, type SearchSpace } from './search-space.js';
import { successiveHalving } from './successive-halving.js';
import type { Candidate, EvaluateTrial, TrialRecord } from './trial.js';
import { checkTuneSpec, type TuneSpec } from './tune-spec.js';
import { VALIDATION_METRIC, beats, type ValidationMetric } from './validation-metric.js';

/** Algorithms AutoML tries, by problem: the supervised ones that train it. */
export const AUTO_ALGORITHMS: Record<ProblemType, readonly AlgorithmName[]> = {
  binary: ['gbdt', 'logistic'],
  multiclass: ['gbdt', 'logistic'],
  regression: ['gbdt', 'linear'],
  clustering: [],
  anomaly: [],
};

/** Trials per algorithm when AutoML is not given a budget. */
export const AUTO_TRIALS = 4;

/** A search's training rows are never cut below this many (or all there are). */
const MIN_RUNG_ROWS = 50;

export interface SearchRequest {
  readonly problem: ProblemType;
  readonly classes?: readonly string[];
  readonly algorithm: AlgorithmName;
  readonly params: Readonly<Record<string, unknown>>;
  readonly tune?: TuneSpec;
  readonly auto?: boolean;
  readonly seed: number;
  readonly signal?: AbortSignal;
  onProgress?(
    step: number,
    total: number,
    metric?: { name: string; value: number },
    phase?: string,
  ): void;
}

export interface ChosenModel {
  readonly algorithm: AlgorithmName;
  /** The parameters with defaults filled in. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly model: unknown;
  /** Absent for a single fit. */
  readonly tuning?: {
    readonly strategy: 'random' | 'halving';
    readonly auto: boolean;
    readonly metric: ValidationMetric;
    readonly best: number;
    readonly trials: readonly TrialRecord[];
  };
}

/** @throws LakeError INVALID_ARGUMENT for a search that cannot run (no validation rows, a bad space). */
export async function chooseModel(
  sets: { readonly train: TrainingSet; readonly validation: TrainingSet },
  request: SearchRequest,
): Promise<ChosenModel> {
  if (!request.tune && !request.auto) {
    const algorithm = algorithmNamed(request.algorithm);
    const params = algorithm.params({ ...request.params });
    const model = await algorithm.fit(sets.train, {
      ...fitBase(request, sets.validation),
      params,
      onProgress: (p) => request.onProgress?.(p.step, p.total, p.metric, 'fit'),
    });
    return { algorithm: request.algorithm, params, model };
  }
  if (request.tune) checkTuneSpec(request.tune);
  const metric = VALIDATION_METRIC[request.problem];
  if (!metric)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Tuning and AutoML rank models on a validation metric; ${request.problem} models have none. Train ${request.problem} with a named algorithm and params.`,
    );
  if (sets.validation.rows === 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      'Tuning and AutoML need validation rows to rank trials: set split.validation above 0 (0.1 unless told).',
    );
  const algorithms = request.auto ? AUTO_ALGORITHMS[request.problem] : [request.algorithm];
  const trialsEach = request.tune?.trials ?? AUTO_TRIALS;
  const strategy = request.tune?.strategy ?? 'random';
  const random = seededRandom(request.seed ^ 0x5eed);
  const evaluateTrial = trialEvaluator(sets, request, metric);

  const trials: TrialRecord[] = [];
  let best:
    | {
        algorithm: AlgorithmName;
        params: Record<string, unknown>;
        model: unknown;
        score: number;
        trial: number;
      }
    | undefined;
  for (const name of algorithms) {
    const space = (request.auto ? undefined : request.tune?.space) ?? DEFAULT_SPACES[name];
    const candidates = drawCandidates(
      name,
      request.auto ? {} : request.params,
      space,
      trialsEach,
      random,
    );
    const result =
      strategy === 'halving'
        ? await successiveHalving(
            candidates,
            evaluateTrial,
            metric,
            request.tune?.eta ?? 3,
            trials.length + 1,
          )
        : await randomSearch(candidates, evaluateTrial, metric, trials.length + 1);
    trials.push(...result.trials);
    if (!best || beats(metric, result.best.outcome.score, best.score))
      best = {
        algorithm: name,
        params: algorithmNamed(name).params({ ...result.best.candidate.params }) as Record<
          string,
          unknown
        >,
        model: result.best.outcome.model,
        score: result.best.outcome.score,
        trial: result.best.trial,
      };
  }
  return {
    algorithm: best!.algorithm,
    params: best!.params,
    model: best!.model,
    tuning: { strategy, auto: request.auto === true, metric, best: best!.trial, trials },
  };
}

/**
 * `trials` candidates of one algorithm: the given parameters first (so a search never keeps
 * worse than them), then draws from `space` over them. Every draw is checked by the
 * algorithm's own parameter check before any fit, so a bad space fails at once.
 */
function drawCandidates(
  algorithm: AlgorithmName,
  given: Readonly<Record<string, unknown>>,
  space: SearchSpace,
  trials: number,
  random: () => number,
): Candidate[] {
  const check = algorithmNamed(algorithm);
  const candidates: Candidate[] = [{ algorithm, params: { ...given } }];
  check.params({ ...given });
  for (let i = 1; i < trials; i++) {
    const params = { ...given, ...sampleSpace(space, random) };
    check.params(params);
    candidates.push({ algorithm, params });
  }
  if (Object.keys(space).length === 0) return candidates.slice(0, 1);
  return candidates;
}

function fitBase(request: SearchRequest, validation: TrainingSet) {
  return {
    problem: request.problem,
    ...(request.classes ? { classes: request.classes } : {}),
    seed: request.seed,
    validation,
    ...(request.signal ? { signal: request.signal } : {}),
  };
}

/** Fits a candidate on a seeded share of the training rows and scores it on validation. */
function trialEvaluator(
  sets: { readonly train: TrainingSet; readonly validation: TrainingSet },
  request: SearchRequest,
  metric: ValidationMetric,
): EvaluateTrial {
  // Nested shares: the rows of a smaller rung are a prefix of one seeded permutation.
  const permutation = Int32Array.from({ length: sets.train.rows }, (_, i) => i);
  const random = seededRandom(request.seed ^ 0x0a11);
  for (let i = permutation.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [permutation[i], permutation[j]] = [permutation[j]!, permutation[i]!];
  }
  const shares = new Map<number, TrainingSet>();
  const share = (fraction: number): TrainingSet => {
    if (fraction >= 1) return sets.train;
    const rows = Math.min(
      sets.train.rows,
      Math.max(MIN_RUNG_ROWS, Math.ceil(fraction * sets.train.rows)),
    );
    const cached = shares.get(rows);
    if (cached) return cached;
    const taken = takeRows(sets.train, permutation.slice(0, rows).sort());
    shares.set(rows, taken);
    return taken;
  };
  const classes = request.classes?.length ?? 0;
  return async (candidate, fraction, trial) => {
    const algorithm = ALGORITHMS[candidate.algorithm] as unknown as ReturnType<
      typeof algorithmNamed
    >;
    const train = share(fraction);
    const started = performance.now();
    const base = {
      trial: trial.number,
      candidate: trial.candidate,
      algorithm: candidate.algorithm,
      params: candidate.params,
      rung: trial.rung,
      trainRows: train.rows,
    };
    const phase = `trial ${trial.number} ${candidate.algorithm}${trial.rung > 0 ? ` rung ${trial.rung}` : ''}`;
    try {
      const model = await algorithm.fit(train, {
        ...fitBase(request, sets.validation),
        params: algorithm.params({ ...candidate.params }),
        onProgress: (p) => request.onProgress?.(p.step, p.total, p.metric, phase),
      });
      const metrics = evaluate(
        request.problem,
        sets.validation,
        algorithm.predict(model, frameOf(sets.validation)),
        classes,
      );
      const score = metrics[metric.name];
      if (score === undefined || !Number.isFinite(score))
        throw new LakeError('INVALID_ARGUMENT', `the validation ${metric.name} is undefined`);
      const ms = Math.round(performance.now() - started);
      return { outcome: { model, metrics, score }, record: { ...base, score, metrics, ms } };
    } catch (error) {
      // A cancelled run stops the search; anything else fails this trial only.
      if (request.signal?.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      return { record: { ...base, error: message, ms: Math.round(performance.now() - started) } };
    }
  };
}
