import { quoteIdentifier, quoteLiteral } from '../../catalog/identifier.js';
import type { RowCheck } from '../quality-types.js';
import { withPrimary } from './primary-sql.js';

/** The column a quarantine row carries: the rules it failed, as written. */
export const FAILED_RULES_COLUMN = '_failed_rules';

export interface PartitionedSql {
  /** The rows that fail none of the checks, with the relation's columns. */
  passing: string;
  /** The rows that fail at least one check, with `_failed_rules VARCHAR[]` added. */
  quarantine: string;
}

/**
 * Two SELECTs that split a relation by row checks, for a gate that commits the good rows and
 * sets the others aside. Checks may hold window functions, so each is computed as a column
 * first and filtered on one level up. Both SELECTs read the same relation; a job should give
 * an immutable one (its staged files), so that the two halves add up to it.
 */
export function partitionSql(relation: string, checks: readonly RowCheck[]): PartitionedSql {
  if (checks.length === 0) {
    return {
      passing: withPrimary(relation, 'SELECT * FROM "primary"'),
      quarantine: withPrimary(
        relation,
        `SELECT *, CAST([] AS VARCHAR[]) AS ${quoteIdentifier(FAILED_RULES_COLUMN)} FROM "primary" WHERE false`,
      ),
    };
  }
  const flags = checks.map((_, i) => quoteIdentifier(`__lakebox_check_${i + 1}`));
  const flagged = `SELECT *, ${checks.map((c, i) => `coalesce(${c.failing}, false) AS ${flags[i]}`).join(', ')} FROM "primary"`;
  const failed = `list_filter([${checks.map((c, i) => `CASE WHEN ${flags[i]} THEN ${quoteLiteral(c.rule)} END`).join(', ')}], r -> r IS NOT NULL)`;
  const anyFailed = flags.join(' OR ');
  const column = quoteIdentifier(FAILED_RULES_COLUMN);
  return {
    passing: withPrimary(
      relation,
      `SELECT * EXCLUDE (${flags.join(', ')}) FROM (${flagged}) WHERE NOT (${anyFailed})`,
    ),
    quarantine: withPrimary(
      relation,
      `SELECT * EXCLUDE (${flags.join(', ')}), ${failed} AS ${column} FROM (${flagged}) WHERE ${anyFailed}`,
    ),
  };
}
