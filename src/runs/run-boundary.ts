import { LakeError } from '../errors/lake-error.js';
import { isConnectionLost } from '../meta/connection-lost.js';
import type { RunContext, RunHandler } from './run-executor.js';
import { checkMetrics } from './run-metrics.js';

export type HandlerResult =
  | { ok: true; status: 'succeeded' | 'succeeded_with_errors'; metrics: Record<string, number> }
  | { ok: false; error: LakeError };

/**
 * Runs a handler so that whatever it does (throw synchronously or asynchronously, throw a
 * non-Error, return a malformed outcome) comes back as a result. A LakeError is kept as
 * thrown; anything else becomes an INTERNAL LakeError with the run as context and the
 * original as its `cause`, so that the stack of user code is never lost.
 */
export async function runInBoundary(handler: RunHandler, ctx: RunContext): Promise<HandlerResult> {
  let outcome;
  try {
    outcome = await handler(ctx);
  } catch (error) {
    return { ok: false, error: asLakeError(error, ctx) };
  }
  const status = outcome?.status ?? 'succeeded';
  if (status !== 'succeeded' && status !== 'succeeded_with_errors') {
    return {
      ok: false,
      error: new LakeError(
        'INVALID_ARGUMENT',
        `The handler of ${ctx.run.kind} runs returned status "${String(status)}"; return "succeeded" or "succeeded_with_errors", or throw to fail.`,
      ),
    };
  }
  try {
    return { ok: true, status, metrics: checkMetrics(outcome?.metrics ?? {}) };
  } catch (error) {
    return { ok: false, error: asLakeError(error, ctx) };
  }
}

function asLakeError(error: unknown, ctx: RunContext): LakeError {
  if (error instanceof LakeError) return error;
  const message = error instanceof Error ? error.message || error.name : String(error);
  if (isConnectionLost(error)) {
    // The database went away under the handler: the work may well succeed on a next attempt.
    return new LakeError(
      'METADATA_UNREACHABLE',
      `The run lost its connection to the database (${message}); it is retried if it has attempts left.`,
      {
        cause: error,
        transient: true,
        details: { runId: ctx.run.id, kind: ctx.run.kind, attempt: ctx.run.attempt },
      },
    );
  }
  return new LakeError('INTERNAL', message, {
    cause: error,
    details: { runId: ctx.run.id, kind: ctx.run.kind, attempt: ctx.run.attempt },
  });
}
