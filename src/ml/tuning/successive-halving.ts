import type { ValidationMetric } from './validation-metric.js';
import { beats } from './validation-metric.js';
import type { Candidate, EvaluateTrial, SearchResult, TrialOutcome, TrialRecord } from './trial.js';
import { noTrialSucceeded } from './no-trial-succeeded.js';

/**
 * Successive halving (Jamieson and Talwalkar, 2016): every candidate is fitted on a small
 * share of the training rows, the best 1/eta go on to a share eta times larger, and so on
 * until the survivors are fitted on all rows; the best of that last rung is kept. With n
 * candidates the first rung uses eta^-floor(log_eta n) of the rows, so the whole search
 * costs about as much as (1 + log_eta n) full fits rather than n.
 *
 * The budget is rows rather than rounds so the same search serves every algorithm.
 */
export async function successiveHalving(
  candidates: readonly Candidate[],
  evaluate: EvaluateTrial,
  metric: ValidationMetric,
  eta: number,
  firstTrial = 1,
): Promise<SearchResult> {
  const rungs = Math.max(0, Math.floor(Math.log(candidates.length) / Math.log(eta) + 1e-9));
  const trials: TrialRecord[] = [];
  let alive = candidates.map((candidate, index) => ({ candidate, index }));
  let best: { candidate: Candidate; outcome: TrialOutcome; trial: number } | undefined;
  for (let rung = 0; rung <= rungs; rung++) {
    const fraction = eta ** (rung - rungs);
    const scored: Array<{ candidate: Candidate; index: number; score: number }> = [];
    best = undefined;
    for (const { candidate, index } of alive) {
      const number = firstTrial + trials.length;
      const { outcome, record } = await evaluate(candidate, fraction, {
        number,
        rung,
        candidate: index,
      });
      trials.push(record);
      if (!outcome) continue;
      scored.push({ candidate, index, score: outcome.score });
      if (!best || beats(metric, outcome.score, best.outcome.score))
        best = { candidate, outcome, trial: number };
    }
    if (scored.length === 0) throw noTrialSucceeded(trials);
    // Ties keep the earlier candidate, so the search is deterministic.
    scored.sort((a, b) =>
      a.score === b.score ? a.index - b.index : beats(metric, a.score, b.score) ? -1 : 1,
    );
    alive = scored.slice(0, Math.max(1, Math.floor(scored.length / eta)));
  }
  return { best: best!, trials };
}
