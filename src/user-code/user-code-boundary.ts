import type { LakeError } from '../errors/lake-error.js';
import { untilAborted } from '../runs/until-aborted.js';

/**
 * Calls user code inside an error boundary: whatever it throws, synchronously or not, and
 * whatever it throws (an Error or not), comes back as the feature's LakeError with the
 * original as its `cause`, so that the user's stack is never lost. Code that ignores the
 * abort signal is abandoned when the signal aborts (rejecting with its reason), so that
 * its late result is never used.
 *
 * @example const out = await callUserCode(() => transform(inputs, ctx), signal, (message, cause) => new LakeError('TRANSFORM_FAILED', message, { cause }));
 */
export async function callUserCode<T>(
  call: () => T | Promise<T>,
  signal: AbortSignal,
  failure: (message: string, cause: unknown) => LakeError,
): Promise<T> {
  try {
    return await untilAborted(Promise.resolve().then(call), signal);
  } catch (error) {
    if (signal.aborted && error === signal.reason) throw error;
    throw failure(error instanceof Error ? error.message || error.name : String(error), error);
  }
}
