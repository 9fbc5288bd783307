import { quoteLiteral } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';
import type { QualityGateOutcome, QualityGateRule } from './quality-gate.js';

/** The column of `<table>_quarantine` that names the rules a row failed. */
export const FAILED_RULES_COLUMN = '_failed_rules';

/**
 * Splits a staged relation by the failing-row predicates of the rules it failed: rows that
 * fail none are kept, the others go to quarantine with the rules they failed.
 *
 * @throws LakeError QUALITY_GATE_FAILED when a failed rule is dataset-level (it has no
 *   failing rows to set apart, so only failing the run keeps the gate's promise).
 */
export function quarantineSplit(
  relation: string,
  outcome: QualityGateOutcome,
  target: string,
): { kept: string; quarantined: string } {
  const failed: QualityGateRule[] = outcome.rules.filter((r) => !r.passed);
  const datasetLevel = failed.filter((r) => !r.rowLevel || (!outcome.split && !r.failingRows));
  if (datasetLevel.length > 0) {
    throw new LakeError(
      'QUALITY_GATE_FAILED',
      `The output for ${target} failed dataset-level rule(s) ${datasetLevel.map((r) => r.rule).join('; ')}, which quarantine cannot set rows apart for; nothing was committed.`,
    );
  }
  if (outcome.split) return outcome.split;
  const holds = failed.map((r) => `COALESCE((${r.failingRows}), false)`);
  const any = holds.join(' OR ');
  const names = failed.map((r, i) => `CASE WHEN ${holds[i]} THEN ${quoteLiteral(r.rule)} END`);
  return {
    kept: `SELECT * FROM (${relation}) WHERE NOT (${any})`,
    quarantined: `SELECT *, concat_ws('; ', ${names.join(', ')}) AS ${FAILED_RULES_COLUMN} FROM (${relation}) WHERE ${any}`,
  };
}
