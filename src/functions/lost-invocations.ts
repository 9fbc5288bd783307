import type { RunStore } from '../runs/run-store.js';
import type { DeadLetters } from './dead-letters.js';
import type { InvocationParameters } from './function-run.js';

/** How far back the failed invocations are read for letters their handler never wrote. */
const LOOK_BACK = 1000;

/**
 * Adds the dead letters of asynchronous invocations whose last attempt was lost with its
 * process (WORKER_LOST): their handler never got to write one. Read when the letters are
 * read; a letter is recorded once per run, so repeating this is harmless.
 */
export async function collectLostInvocations(runs: RunStore, letters: DeadLetters): Promise<void> {
  const failed = await runs.list({ kind: 'function', status: 'failed', limit: LOOK_BACK });
  for (const run of failed) {
    const parameters = run.parameters as unknown as InvocationParameters;
    if (!parameters.async || run.error?.code !== 'WORKER_LOST' || run.attempt < run.maxAttempts)
      continue;
    await letters.add({
      function: parameters.function,
      version: parameters.version,
      event: parameters.event,
      error: run.error,
      attempts: run.attempt,
      runId: run.id,
    });
  }
}
