import { LakeError } from '../errors/lake-error.js';
import type { RunContext, RunOutcome } from '../runs/run-executor.js';
import { runErrorOf } from '../runs/run-error.js';
import { untilAborted } from '../runs/until-aborted.js';
import type { DeadLetters } from './dead-letters.js';
import { redactSecrets, resolveFunctionEnv } from './function-env.js';
import type { FunctionPools } from './function-pools.js';
import type { FunctionVersions } from './function-versions.js';
import type { InvocationResults } from './invocation-results.js';

/** A run of kind `function`: which version, what event, and whether it was asynchronous. */
export interface InvocationParameters {
  function: string;
  version: number;
  event: unknown;
  async: boolean;
}

export interface FunctionRunDeps {
  versions: FunctionVersions;
  pools: FunctionPools;
  results: InvocationResults;
  deadLetters: DeadLetters;
}

/** Results above this size are refused: they live in the metadata database. */
const MAX_RESULT_BYTES = 1024 * 1024;

/**
 * One invocation: resolve the version's environment from this process's, call the handler
 * in the version's pool, record its result. A failure of the handler is transient (the
 * executor's retry policy decides, by the run's attempts); an asynchronous invocation that
 * fails its last attempt, or fails in a way no retry cures, becomes a dead letter. Secret
 * values are redacted from every log line, error and result before they are recorded.
 */
export async function runInvocation(deps: FunctionRunDeps, ctx: RunContext): Promise<RunOutcome> {
  const parameters = ctx.parameters as unknown as InvocationParameters;
  let secrets: readonly string[] = [];
  try {
    const version = await deps.versions.get(parameters.function, parameters.version);
    const env = resolveFunctionEnv(version.function, version.env, process.env);
    secrets = env.secrets;
    const pool = await deps.pools.pool(version, env.values);
    const result = await untilAborted(
      pool.call({
        args: [parameters.event ?? null],
        timeoutMs: version.timeoutMs,
        callData: { invocationId: ctx.run.id, chainDepth: ctx.run.chainDepth },
        onLog: (level, message) => void ctx.log(level, redactSecrets(message, secrets)),
      }),
      ctx.signal,
    );
    const json = result === undefined ? undefined : redactSecrets(JSON.stringify(result), secrets);
    if (json !== undefined && Buffer.byteLength(json) > MAX_RESULT_BYTES)
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Function ${version.function} returned ${Buffer.byteLength(json)} bytes; at most ${MAX_RESULT_BYTES} are kept: write large output to a table or a zone and return its name.`,
      );
    await deps.results.put(ctx.run.id, version.function, version.version, json);
    return { metrics: { resultBytes: json === undefined ? 0 : Buffer.byteLength(json) } };
  } catch (error) {
    const failure = asInvocationError(error, secrets);
    const last = !failure.transient || ctx.run.attempt >= ctx.run.maxAttempts;
    if (parameters.async && last && !ctx.signal.aborted)
      await deps.deadLetters.add({
        function: parameters.function,
        version: parameters.version,
        event: parameters.event,
        error: runErrorOf(failure),
        attempts: ctx.run.attempt,
        runId: ctx.run.id,
      });
    throw failure;
  }
}

/**
 * The handler's own failures (threw, timed out, out of memory, exited) may pass on a next
 * attempt; a missing variable or a deleted version will not.
 */
function asInvocationError(error: unknown, secrets: readonly string[]): LakeError {
  if (!(error instanceof LakeError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new LakeError('INTERNAL', redactSecrets(message, secrets), {
      cause: secrets.length > 0 ? undefined : error,
    });
  }
  const transient = error.code.startsWith('USER_CODE_') || error.transient;
  const { stack: _stack, ...details } = error.details;
  return new LakeError(error.code, redactSecrets(error.message, secrets), {
    transient,
    details,
    // The cause's message and stack may hold a secret value.
    cause: secrets.length > 0 ? undefined : error,
  });
}
