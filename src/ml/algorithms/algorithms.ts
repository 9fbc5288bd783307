import type { Algorithm, ProblemType } from './algorithm.js';
import { gbdt } from './gbdt/gbdt.js';
import { isolationForest } from './iforest/iforest-algorithm.js';
import { kMeans } from './kmeans/kmeans-algorithm.js';
import { linearRegression } from './linear/linear-algorithm.js';
import { logisticRegression } from './logistic/logistic-algorithm.js';
import { LakeError } from '../../errors/lake-error.js';

/**
 * Every algorithm by the name users give it. Adding one is one line here; the name union
 * follows from the object, so `DEFAULT_ALGORITHM` and anything else keyed by it keep up.
 */
export const ALGORITHMS = {
  linear: linearRegression,
  logistic: logisticRegression,
  kmeans: kMeans,
  iforest: isolationForest,
  gbdt,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
} satisfies Record<string, Algorithm<any, any>>;

export type AlgorithmName = keyof typeof ALGORITHMS;

/** What trains when no algorithm is named. */
export const DEFAULT_ALGORITHM: Record<ProblemType, AlgorithmName> = {
  binary: 'logistic',
  multiclass: 'logistic',
  regression: 'linear',
  clustering: 'kmeans',
  anomaly: 'iforest',
};

/** @throws LakeError INVALID_ARGUMENT naming the algorithms there are. */
export function algorithmNamed(name: string): Algorithm {
  if (!Object.hasOwn(ALGORITHMS, name))
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Unknown algorithm ${name}; choose one of ${Object.keys(ALGORITHMS).join(', ')}.`,
    );
  return ALGORITHMS[name as AlgorithmName] as unknown as Algorithm;
}
