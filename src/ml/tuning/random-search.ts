import type { ValidationMetric } from './validation-metric.js';
import { beats } from './validation-metric.js';
import type { Candidate, EvaluateTrial, SearchResult, TrialOutcome, TrialRecord } from './trial.js';
import { noTrialSucceeded } from './no-trial-succeeded.js';

/** Fits every candidate on all training rows and keeps the best on validation. */
export async function randomSearch(
  candidates: readonly Candidate[],
  evaluate: EvaluateTrial,
  metric: ValidationMetric,
  firstTrial = 1,
): Promise<SearchResult> {
  const trials: TrialRecord[] = [];
  let best: { candidate: Candidate; outcome: TrialOutcome; trial: number } | undefined;
  for (const [index, candidate] of candidates.entries()) {
    const number = firstTrial + trials.length;
    const { outcome, record } = await evaluate(candidate, 1, {
      number,
      rung: 0,
      candidate: index,
    });
    trials.push(record);
    if (outcome && (!best || beats(metric, outcome.score, best.outcome.score)))
      best = { candidate, outcome, trial: number };
  }
  if (!best) throw noTrialSucceeded(trials);
  return { best, trials };
}
