import { LakeError } from '../errors/lake-error.js';

/**
 * Checks that metrics are finite numbers by name, so that what a run records can be summed,
 * charted and compared; returns them unchanged.
 *
 * @throws LakeError INVALID_ARGUMENT naming the first bad metric.
 */
export function checkMetrics(metrics: Record<string, number>): Record<string, number> {
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Metric "${name}" is ${String(value)}; metrics must be finite numbers. Record text in the run's log instead.`,
      );
    }
  }
  return metrics;
}
