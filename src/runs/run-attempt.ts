import { LakeError } from '../errors/lake-error.js';
import { isConnectionLost } from '../meta/connection-lost.js';
import { METADATA_BACKOFF, untilReachable } from './backoff.js';
import { repeatEvery } from './repeat-every.js';
import type { Run, TerminalRunStatus } from './run.js';
import { withCause } from './run-cause.js';
import { runInBoundary, type HandlerResult } from './run-boundary.js';
import { createRunContext } from './run-context.js';
import type { RunHandler } from './run-executor.js';
import { RunRecorder } from './run-recorder.js';
import type { RunEnd, RunStore } from './run-store.js';

const MAX_RETRY_DELAY_MS = 30_000;

export interface AttemptSettings {
  /** How often the run's heartbeat is written and its cancel flag read. */
  heartbeatMs: number;
  /** Wait before the first retry, doubled for each later one, at most 30 s. */
  retryDelayMs: number;
  onHandlerError?: ((error: LakeError, run: Run) => void) | undefined;
  report(error: unknown): void;
}

export interface AttemptResult {
  finished: Run;
  /** True when the failure queued a next attempt. */
  retried: boolean;
}

/**
 * One claimed run being performed: its handler inside the error boundary, a heartbeat while
 * it runs (which also notices a cancel asked for by another process), its timeout, and the
 * record of how it ended. Every executor performs runs through this, so that a run ends the
 * same way whichever process or machine took it.
 */
export class RunAttempt {
  readonly #controller = new AbortController();
  #cancelRequested = false;
  #timedOut = false;
  #handedBack = false;

  constructor(
    private readonly store: RunStore,
    private readonly settings: AttemptSettings,
  ) {}

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Stops the handler as cancelled: its run ends `cancelled` however the handler ends. */
  cancel(runId: string): void {
    this.#cancelRequested = true;
    if (!this.signal.aborted) this.#controller.abort(cancelledError(runId));
  }

  /**
   * Stops the handler because its worker is stopping: the run fails as WORKER_LOST (a
   * transient error) and is retried per its policy on another worker.
   */
  handBack(runId: string): void {
    this.#handedBack = true;
    if (!this.signal.aborted) this.#controller.abort(handedBackError(runId));
  }

  /**
   * Runs `handler` for `run` (already claimed) and records the end. With `noRetry` (an
   * executor shutting down with abort) a transient failure is not retried.
   */
  perform(handler: RunHandler, run: Run, noRetry: () => boolean): Promise<AttemptResult> {
    return withCause({ source: `run:${run.id}`, chainDepth: run.chainDepth }, () =>
      this.#perform(handler, run, noRetry),
    );
  }

  async #perform(handler: RunHandler, run: Run, noRetry: () => boolean): Promise<AttemptResult> {
    const recorder = new RunRecorder(this.store, run.id, (error) => this.settings.report(error));
    const heartbeat = repeatEvery(
      this.settings.heartbeatMs,
      () => this.#beat(run.id),
      METADATA_BACKOFF,
    );
    const timeout =
      run.timeoutMs === null
        ? undefined
        : setTimeout(() => {
            this.#timedOut = true;
            this.#controller.abort(timeoutError(run));
          }, run.timeoutMs);
    const result: HandlerResult = this.signal.aborted
      ? { ok: false, error: cancelledError(run.id) }
      : await runInBoundary(handler, createRunContext(run, recorder, this.signal));
    clearTimeout(timeout);
    await heartbeat.stop();

    // Once cancelled, a run ends cancelled however its handler ended: aborting surfaces as
    // all sorts of errors (AbortError, closed connections), and a handler that ignored the
    // signal and finished still did so after being told to stop.
    if (this.#cancelRequested) {
      if (!result.ok && !isCancellation(result.error)) {
        void recorder.log(
          'warn',
          `Cancelled; the handler then ended with ${result.error.code}: ${result.error.message}`,
        );
      }
      await recorder.flush();
      const metrics = result.ok ? result.metrics : undefined;
      return {
        finished: await this.#finish(run.id, 'cancelled', { metrics }),
        retried: false,
      };
    }
    // A timed-out handler may end with whatever its abort caused; the run failed by timeout.
    const failure = this.#handedBack
      ? handedBackError(run.id)
      : this.#timedOut
        ? timeoutError(run)
        : result.ok
          ? undefined
          : result.error;
    if (failure) {
      this.#notifyHandlerError(failure, run);
      void recorder.log('error', `${failure.code}: ${failure.message}`);
      await recorder.flush();
      const retry = failure.transient && !noRetry();
      const retryDelayMs = Math.min(
        this.settings.retryDelayMs * 2 ** (run.attempt - 1),
        MAX_RETRY_DELAY_MS,
      );
      const finished = await this.#finish(run.id, 'failed', {
        error: failure,
        retry,
        retryDelayMs,
      });
      return { finished, retried: retry && finished.attempt < finished.maxAttempts };
    }
    await recorder.flush();
    const { status, metrics } = result as Extract<HandlerResult, { ok: true }>;
    return { finished: await this.#finish(run.id, status, { metrics }), retried: false };
  }

  async #beat(runId: string): Promise<void> {
    try {
      const { status, cancelRequested } = await this.store.heartbeat(runId);
      // A run that ended elsewhere (failed as lost) is moot: stop it like a cancelled one.
      if (cancelRequested || status !== 'running') this.cancel(runId);
    } catch (error) {
      this.settings.report(error);
      // Backs the beat off while the database is away; the run goes on meanwhile.
      if (isConnectionLost(error)) throw error;
    }
  }

  /** The run's end, recorded once the database answers: a lost end would leave it running. */
  #finish(id: string, status: TerminalRunStatus, end: RunEnd): Promise<Run> {
    return untilReachable(() => this.store.finish(id, status, end), {
      report: this.settings.report,
    });
  }

  #notifyHandlerError(error: LakeError, run: Run): void {
    try {
      this.settings.onHandlerError?.(error, run);
    } catch (hookError) {
      this.settings.report(hookError);
    }
  }
}

function isCancellation(error: LakeError): boolean {
  return (
    error.code === 'RUN_CANCELLED' ||
    (error.cause instanceof Error && error.cause.name === 'AbortError')
  );
}

export function cancelledError(runId: string): LakeError {
  return new LakeError('RUN_CANCELLED', `Run ${runId} was cancelled.`, { details: { runId } });
}

function handedBackError(runId: string): LakeError {
  return new LakeError(
    'WORKER_LOST',
    `Run ${runId} was handed back: its worker stopped before the run finished.`,
    { transient: true, details: { runId } },
  );
}

function timeoutError(run: Run): LakeError {
  return new LakeError(
    'RUN_TIMEOUT',
    `Run ${run.id} (${run.kind}) was stopped after its timeout of ${String(run.timeoutMs)} ms; raise the timeout if the work needs longer.`,
    { transient: true, details: { runId: run.id, timeoutMs: run.timeoutMs } },
  );
}
