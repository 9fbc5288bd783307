import type { AlgorithmName } from '../algorithms/algorithms.js';

/** An algorithm with the parameters given to it (before defaults are filled in). */
export interface Candidate {
  readonly algorithm: AlgorithmName;
  readonly params: Readonly<Record<string, unknown>>;
}

/** What fitting one candidate gave: the model and its validation metrics. */
export interface TrialOutcome {
  readonly model: unknown;
  readonly metrics: Readonly<Record<string, number>>;
  /** The validation metric trials are ranked by. */
  readonly score: number;
}

/**
 * One fit of one candidate, as the train run records it. Successive halving fits a candidate
 * on several rungs (growing shares of the training rows); each fit is a trial of its own.
 */
export interface TrialRecord {
  readonly trial: number;
  /** The candidate's number: the same across the rungs it survives. */
  readonly candidate: number;
  readonly algorithm: AlgorithmName;
  readonly params: Readonly<Record<string, unknown>>;
  readonly rung: number;
  readonly trainRows: number;
  readonly score?: number;
  readonly metrics?: Readonly<Record<string, number>>;
  /** Why the fit failed (a parameter out of range, a degenerate subset); the search goes on. */
  readonly error?: string;
  readonly ms: number;
}

/** Fits `candidate` on `fraction` of the training rows; `trial` numbers it for progress. */
export type EvaluateTrial = (
  candidate: Candidate,
  fraction: number,
  trial: { readonly number: number; readonly rung: number; readonly candidate: number },
) => Promise<{ outcome?: TrialOutcome; record: TrialRecord }>;

export interface SearchResult {
  readonly best: {
    readonly candidate: Candidate;
    readonly outcome: TrialOutcome;
    readonly trial: number;
  };
  readonly trials: readonly TrialRecord[];
}
