import { LakeError } from '../../errors/lake-error.js';
import { checkSearchSpace, type SearchSpace } from './search-space.js';

export type TuneStrategy = 'random' | 'halving';

/** How to tune: a budget of trials, a strategy, and the space to search. */
export interface TuneSpec {
  /** Configurations to try (for `halving`, configurations drawn; each may be fitted on several rungs). */
  readonly trials: number;
  /** `random` (default) fits every trial on all training rows; `halving` is successive halving. */
  readonly strategy?: TuneStrategy;
  /** Per parameter, where to look; the algorithm's default space unless given. */
  readonly space?: SearchSpace;
  /** Halving: the share of configurations kept at each rung is 1 / eta (3 unless told). */
  readonly eta?: number;
}

export const MAX_TRIALS = 1000;

const STRATEGIES: Record<TuneStrategy, true> = { random: true, halving: true };

/** @throws LakeError INVALID_ARGUMENT naming the bad key. */
export function checkTuneSpec(tune: TuneSpec): void {
  if (typeof tune !== 'object' || tune === null)
    throw new LakeError('INVALID_ARGUMENT', 'tune must be an object: {trials, strategy, space}.');
  if (!Number.isInteger(tune.trials) || tune.trials < 1 || tune.trials > MAX_TRIALS)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `tune.trials must be an integer from 1 to ${MAX_TRIALS} (got ${JSON.stringify(tune.trials)}).`,
    );
  if (tune.strategy !== undefined && !Object.hasOwn(STRATEGIES, tune.strategy))
    throw new LakeError(
      'INVALID_ARGUMENT',
      `tune.strategy must be one of ${Object.keys(STRATEGIES).join(', ')} (got ${JSON.stringify(tune.strategy)}).`,
    );
  if (tune.eta !== undefined && !(Number.isFinite(tune.eta) && tune.eta >= 2))
    throw new LakeError('INVALID_ARGUMENT', `tune.eta must be a number >= 2 (got ${tune.eta}).`);
  if (tune.space !== undefined) checkSearchSpace(tune.space);
}
