/**
 * The parameters of gradient-boosted trees, their defaults and their checks. Keys are
 * camelCase; the snake_case spelling XGBoost and LightGBM users type (`max_depth`,
 * `min_child_weight`) is read as the same key.
 */
import { LakeError } from '../../../errors/lake-error.js';

export type GrowPolicy = 'depthwise' | 'lossguide';

export interface GbdtParams {
  /** Boosting rounds (one tree per round, or one per class for multiclass). */
  readonly rounds: number;
  readonly learningRate: number;
  /** Deepest a tree may grow; 0 is no limit (then `numLeaves` must bound it). */
  readonly maxDepth: number;
  /** Most leaves per tree; 0 is no limit (then `maxDepth` must bound it). */
  readonly numLeaves: number;
  /** `depthwise` splits level by level (XGBoost's default); `lossguide` splits the best leaf first (LightGBM's). */
  readonly growPolicy: GrowPolicy;
  /** Least hessian sum (for squared error: rows) a child may hold. */
  readonly minChildWeight: number;
  /** L2 regularisation of leaf weights. */
  readonly lambda: number;
  /** Least loss reduction a split must bring. */
  readonly gamma: number;
  /** Share of rows each tree is grown on, drawn per round. */
  readonly subsample: number;
  /** Share of features each tree may split on, drawn per tree. */
  readonly colsample: number;
  /** Value bins per numeric feature (and most categories with their own bin), at most 255. */
  readonly maxBins: number;
  /** Stop when the validation metric has not improved for this many rounds; 0 never stops early. */
  readonly earlyStoppingRounds: number;
  /** Added to a category's hessian when categories are ordered by gradient over hessian, so rare ones do not sort to the ends. */
  readonly catSmooth: number;
}

type NumericKey = Exclude<keyof GbdtParams, 'growPolicy'>;

interface Range {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Whether `min` itself is allowed. */
  readonly minInclusive: boolean;
  readonly integer: boolean;
}

const RANGES: Record<NumericKey, Range> = {
  rounds: { default: 100, min: 1, max: 100_000, minInclusive: true, integer: true },
  learningRate: { default: 0.1, min: 0, max: 1, minInclusive: false, integer: false },
  maxDepth: { default: 6, min: 0, max: 64, minInclusive: true, integer: true },
  numLeaves: { default: 0, min: 0, max: 1 << 20, minInclusive: true, integer: true },
  minChildWeight: { default: 1, min: 0, max: Infinity, minInclusive: true, integer: false },
  lambda: { default: 1, min: 0, max: Infinity, minInclusive: true, integer: false },
  gamma: { default: 0, min: 0, max: Infinity, minInclusive: true, integer: false },
  subsample: { default: 1, min: 0, max: 1, minInclusive: false, integer: false },
  colsample: { default: 1, min: 0, max: 1, minInclusive: false, integer: false },
  maxBins: { default: 255, min: 2, max: 255, minInclusive: true, integer: true },
  earlyStoppingRounds: { default: 10, min: 0, max: 100_000, minInclusive: true, integer: true },
  catSmooth: { default: 10, min: 0, max: Infinity, minInclusive: true, integer: false },
};

const GROW_POLICIES: Record<GrowPolicy, true> = { depthwise: true, lossguide: true };

const camelCase = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Fills in defaults and validates; throws INVALID_ARGUMENT naming the bad key. */
export function gbdtParams(given: Record<string, unknown>): GbdtParams {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    const name = camelCase(key);
    if (!(name in RANGES) && name !== 'growPolicy') {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown gbdt parameter "${key}". Known: ${[...Object.keys(RANGES), 'growPolicy'].join(', ')}.`,
        { details: { key } },
      );
    }
    values[name] = value;
  }
  const numbers = {} as Record<NumericKey, number>;
  for (const [key, range] of Object.entries(RANGES) as [NumericKey, Range][]) {
    numbers[key] = checked(key, values[key] ?? range.default, range);
  }
  const growPolicy = values.growPolicy ?? 'depthwise';
  if (typeof growPolicy !== 'string' || !(growPolicy in GROW_POLICIES)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `gbdt parameter growPolicy must be one of ${Object.keys(GROW_POLICIES).join(', ')}; got ${JSON.stringify(growPolicy)}.`,
      { details: { key: 'growPolicy' } },
    );
  }
  if (numbers.maxDepth === 0 && numbers.numLeaves === 0) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      'gbdt parameters maxDepth and numLeaves are both 0 (no limit): set at least one, e.g. maxDepth 6.',
      { details: { key: 'maxDepth' } },
    );
  }
  return { ...numbers, growPolicy: growPolicy as GrowPolicy };
}

function checked(key: string, value: unknown, range: Range): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.minInclusive ? value >= range.min : value > range.min) &&
    value <= range.max &&
    (!range.integer || Number.isInteger(value));
  if (!ok) {
    const kind = range.integer ? 'an integer' : 'a number';
    const low = `${range.minInclusive ? '>=' : '>'} ${range.min}`;
    const high = range.max === Infinity ? '' : ` and <= ${range.max}`;
    throw new LakeError(
      'INVALID_ARGUMENT',
      `gbdt parameter ${key} must be ${kind} ${low}${high}; got ${JSON.stringify(value)}.`,
      { details: { key } },
    );
  }
  return value;
}
