import type { AsOf } from '../catalog/catalog-types.js';
import type { JsonValue } from '../engine/query-result.js';

/** A named ruleset: DQDL text kept as a record in the metadata database. */
export interface Ruleset {
  id: number;
  name: string;
  description: string | null;
  /** The rules as written: `Rules = [ RowCount > 0, IsComplete "id" ]`. */
  rules: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What a ruleset is evaluated against. */
export type QualityTarget =
  /** A catalog table, at its current snapshot or as of a snapshot id or time. */
  | { table: string; asOf?: AsOf }
  /**
   * A relation that is not (yet) a table: one SELECT, over catalog tables (bound as in
   * `lake.query`) and/or files (`read_parquet([...])` over a job's staged output).
   * `label` names it in results and messages.
   */
  | { sql: string; database?: string; asOf?: AsOf; label?: string };

/** How one top-level rule came out. */
export interface RuleOutcome {
  /** `Rule_1`, `Rule_2`, ... in ruleset order, as Glue names them. */
  name: string;
  /** The rule as written, on one line. */
  rule: string;
  /** The rule type, or `and` / `or` for a composite. */
  type: string;
  passed: boolean;
  /** The number judged: a count, a ratio of passing rows, a mean...; null for composites. */
  observed: number | null;
  message: string;
  /** Whether the rule judges rows one by one (and so has failing rows and a row check). */
  rowLevel: boolean;
  failingRows: number | null;
  /** Up to five failing rows, JSON-safe, for a rule that failed. */
  sampleRows: Array<Record<string, JsonValue>>;
}

/**
 * A row-level rule as SQL, for gates: `failing` is true on a row of `"primary"` that fails
 * the rule. It may hold window functions, so use it in a SELECT list (see
 * `QualityService.partition`, which does).
 */
export interface RowCheck {
  name: string;
  rule: string;
  /** The rule's outcome over the whole data. */
  passed: boolean;
  failing: string;
}

/** One evaluation of a ruleset. */
export interface QualityReport {
  /** The ruleset's name; null for rules evaluated from text. */
  ruleset: string | null;
  /** The table's name, or the relation's label. */
  target: string;
  /** The snapshot of the table evaluated (null for a relation or an empty table). */
  snapshotId: number | null;
  rowCount: number;
  /** All rules passed. */
  passed: boolean;
  /** Rules passed over rules in all, 0 to 1. */
  score: number;
  rulesPassed: number;
  rulesTotal: number;
  outcomes: RuleOutcome[];
  rowChecks: RowCheck[];
  startedAt: Date;
  endedAt: Date;
}

/** A stored evaluation. */
export interface QualityResult extends Omit<QualityReport, 'rowChecks'> {
  id: number;
  /** The `quality` run that produced it; null when evaluated directly through the SDK. */
  runId: string | null;
}

export interface QualityResultQuery {
  ruleset?: string;
  /** A table name or a relation's label. */
  target?: string;
  /** Only results that passed (true) or failed (false). */
  passed?: boolean;
  /** Newest first; 50 unless told. */
  limit?: number;
}
