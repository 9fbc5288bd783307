import { LakeError, type ErrorCode } from '../errors/lake-error.js';
import type { Run } from '../runs/run.js';
import type { RunExecutor, RunHandler, SubmitOptions, WaitOptions } from '../runs/run-executor.js';
import { untilAborted } from '../runs/until-aborted.js';

/** Asks the host process to do something, across the worker thread's message port. */
export type HostRequest = (method: string, payload: unknown) => Promise<unknown>;

/** What the host answers: its RunExecutor's own submit, wait and cancel. */
export type HostRunMethod = 'run.submit' | 'run.wait' | 'run.cancel';

/**
 * The executor of a Lake opened inside a function's worker thread: it performs no run.
 * Each submit, wait and cancel goes to the host's executor, so a run that a handler starts
 * (a job, a load) is queued and run by the host (or a `lakebox worker`) and outlives the
 * thread, which may be stopped at its deadline at any moment. An embedded executor in the
 * thread would run the job inside it, under the function's memory limit, and lose it with
 * the thread.
 */
export class HostExecutor implements RunExecutor {
  constructor(private readonly request: HostRequest) {}

  ready(): Promise<void> {
    return Promise.resolve();
  }

  /** Handlers live in the host: the thread's services register theirs for nothing. */
  register(_kind: string, _handler: RunHandler): void {}

  submit(kind: string, options: SubmitOptions = {}): Promise<Run> {
    return this.#ask('run.submit', { kind, options });
  }

  wait(runId: string, options: WaitOptions = {}): Promise<Run> {
    const waiting = this.#ask('run.wait', { runId });
    return options.signal ? untilAborted(waiting, options.signal) : waiting;
  }

  cancel(runId: string): Promise<Run> {
    return this.#ask('run.cancel', { runId });
  }

  hostStranded(): Promise<void> {
    return Promise.reject(
      new LakeError('INVALID_ARGUMENT', 'A function cannot host the lake; lakebox serve does.'),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async #ask(method: HostRunMethod, payload: unknown): Promise<Run> {
    try {
      return (await this.request(method, payload)) as Run;
    } catch (error) {
      const { code, message, details, transient } = error as {
        code: ErrorCode;
        message: string;
        details?: Record<string, unknown>;
        transient?: boolean;
      };
      throw new LakeError(code ?? 'INTERNAL', message ?? String(error), { details, transient });
    }
  }
}
