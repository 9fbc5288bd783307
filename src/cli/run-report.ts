import type { Run } from '../runs/run.js';
import { LakeError, type ErrorCode } from '../errors/lake-error.js';
import type { CliContext } from './cli-context.js';
import { ExitCode } from './exit-code.js';

/**
 * Prints how a run ended and sets the exit code: a failed run becomes the error it recorded
 * (one line, its code), so `lakebox load` fails the same way whether or not it ran as a run.
 */
export function reportRunEnd(
  context: CliContext,
  run: Run,
  success: (metrics: Record<string, number>) => string,
): void {
  if (run.status === 'failed') {
    throw new LakeError(
      (run.error?.code ?? 'INTERNAL') as ErrorCode,
      `${run.error?.message ?? 'the run failed'} (run ${run.id})`,
    );
  }
  if (context.output.json) context.output.data(run);
  else if (run.status === 'cancelled') context.output.line(`Run ${run.id} was cancelled.`);
  else context.output.line(`${success(run.metrics)} (run ${run.id})`);
  if (run.status === 'succeeded_with_errors') process.exitCode = ExitCode.partial;
  if (run.status === 'cancelled') process.exitCode = ExitCode.cancelled;
}
