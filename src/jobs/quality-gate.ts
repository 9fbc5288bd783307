/**
 * What a job needs from data quality, and nothing more: evaluate a named ruleset against the
 * job's staged output before the commit. The lake injects an adapter over its quality
 * service; jobs never import the quality module.
 */
export interface QualityGate {
  /**
   * Evaluates ruleset `ruleset` against `relation`, a standalone SELECT over the staged
   * output (it reads local files only, so any DuckDB session can run it).
   *
   * @throws LakeError RULESET_NOT_FOUND when no ruleset has that name.
   */
  evaluate(request: QualityGateRequest): Promise<QualityGateOutcome>;
}

export interface QualityGateRequest {
  ruleset: string;
  relation: string;
  /** The table the output is meant for, for messages and stored results. */
  target: string;
  /** The job run asking, recorded with the result. */
  runId: string;
  signal?: AbortSignal;
}

export interface QualityGateOutcome {
  passed: boolean;
  rules: QualityGateRule[];
  /**
   * Two SELECTs over the relation for quarantine: the rows failing none of the failed
   * row-level rules, and the others with the rules they failed (`_failed_rules`). When
   * absent, the job builds them from the rules' `failingRows` predicates.
   */
  split?: { kept: string; quarantined: string };
}

export interface QualityGateRule {
  /** The rule as written, e.g. `IsComplete "id"`. */
  rule: string;
  passed: boolean;
  /** Judges rows one by one (so failing rows can be set apart); dataset rules do not. */
  rowLevel: boolean;
  message?: string;
  /**
   * For a failed row-level rule: a plain SQL predicate over the relation's columns (usable in
   * WHERE) that holds for the failing rows; optional when the outcome carries `split`.
   */
  failingRows?: string;
}

/** What a job does when its output fails its ruleset. */
export type QualityAction = 'fail' | 'quarantine' | 'warn';
export const QUALITY_ACTIONS: readonly QualityAction[] = ['fail', 'quarantine', 'warn'];
