import type { Generated } from 'kysely';

type Json = string;

/** A ruleset: DQDL text under a name. */
export interface QualityRulesetRow {
  ruleset_id: Generated<number>;
  name: string;
  description: string | null;
  rules: string;
  created_at: number;
  updated_at: number;
}

/** One evaluation of rules against a table (at a snapshot) or a relation. */
export interface QualityResultRow {
  result_id: Generated<number>;
  ruleset: string | null;
  target: string;
  snapshot_id: number | null;
  run_id: string | null;
  passed: number;
  score: number;
  rules_passed: number;
  rules_total: number;
  row_count: number;
  started_at: number;
  ended_at: number;
}

/** How one top-level rule of a result came out, with up to five failing rows. */
export interface QualityRuleResultRow {
  result_id: number;
  position: number;
  name: string;
  rule: string;
  rule_type: string;
  passed: number;
  observed: number | null;
  message: string;
  row_level: number;
  failing_rows: number | null;
  sample_rows: Json;
}
