import { LakeError } from '../../errors/lake-error.js';
import type { ProblemType } from '../algorithms/algorithm.js';

/** How rows are divided into training, validation and test sets. */
export type SplitSpec =
  | {
      readonly method: 'random';
      /** Fractions of all rows; the rest trains. 0.1 and 0.2 unless told. */
      readonly validation?: number;
      readonly test?: number;
    }
  | {
      /** The earliest rows train, later ones validate, the latest test: no look-ahead. */
      readonly method: 'time';
      readonly column: string;
      readonly validation?: number;
      readonly test?: number;
    };

/** Which columns become features and how, and what is learnt. */
export interface FeatureSpec {
  /** The column to predict; absent for clustering and anomaly detection. */
  readonly target?: string;
  /** Only these columns are features (default: every usable column). */
  readonly include?: readonly string[];
  /** Columns never used as features (ids, leaks). */
  readonly exclude?: readonly string[];
  /** Numeric columns to treat as categories (codes, zip codes). */
  readonly categorical?: readonly string[];
  /**
   * A categorical keeps its most frequent levels up to this many; rarer levels share the
   * code of an unseen level (-1), and their count is reported. 100 unless told.
   */
  readonly maxLevels?: number;
  /** A numeric column of per-row weights; rows whose weight is null are left out and counted. */
  readonly weight?: string;
  /** `balanced` weighs each class by rows / (classes * rows of the class). */
  readonly classWeight?: 'balanced';
  readonly problem?: ProblemType;
  readonly split?: SplitSpec;
}

export const DEFAULT_MAX_LEVELS = 100;

/** Validates the parts of a spec that need no data; throws INVALID_ARGUMENT naming the key. */
export function checkFeatureSpec(spec: FeatureSpec): void {
  const split = spec.split;
  if (split) {
    const validation = split.validation ?? 0.1;
    const test = split.test ?? 0.2;
    for (const [key, value] of [
      ['validation', validation],
      ['test', test],
    ] as const) {
      if (!(value >= 0 && value < 1))
        throw new LakeError(
          'INVALID_ARGUMENT',
          `split.${key} must be a fraction in [0, 1) (got ${value}).`,
        );
    }
    if (validation + test >= 1)
      throw new LakeError(
        'INVALID_ARGUMENT',
        `split.validation + split.test must leave rows to train on (got ${validation} + ${test}).`,
      );
  }
  const maxLevels = spec.maxLevels ?? DEFAULT_MAX_LEVELS;
  if (!Number.isInteger(maxLevels) || maxLevels < 1 || maxLevels > 100_000)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `maxLevels must be an integer from 1 to 100000 (got ${maxLevels}).`,
    );
}
