import { LakeError } from '../../errors/lake-error.js';
import type { TrialRecord } from './trial.js';

/** The error of a search whose every trial failed: the first failure says why. */
export function noTrialSucceeded(trials: readonly TrialRecord[]): LakeError {
  return new LakeError(
    'INVALID_ARGUMENT',
    `None of the ${trials.length} trial(s) trained a model; the first failed with: ${trials[0]?.error ?? 'no trials'}`,
  );
}
