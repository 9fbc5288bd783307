import type { QualityGate } from './jobs/quality-gate.js';
import type { QualityService } from './quality/quality-service.js';

/**
 * The quality service as the gate jobs check their staged output with: the facade wires the
 * two feature modules together so neither imports the other. Results are stored with the
 * job's run id; the split for quarantine is the quality module's own (it handles row checks
 * with window functions).
 */
export function qualityGateOver(quality: () => QualityService): QualityGate {
  return {
    async evaluate(request) {
      const service = quality();
      const report = await service.evaluate(
        { ruleset: request.ruleset },
        { sql: request.relation, label: `${request.target} (staged)` },
        { runId: request.runId },
      );
      const split = service.partition(report, request.relation);
      return {
        passed: report.passed,
        rules: report.outcomes.map((o) => ({
          rule: o.rule,
          passed: o.passed,
          rowLevel: o.rowLevel,
          message: o.message,
        })),
        split: { kept: split.passing, quarantined: split.quarantine },
      };
    },
  };
}
