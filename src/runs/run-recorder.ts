import type { RunLogLevel, RunProgress } from './run.js';
import { checkMetrics } from './run-metrics.js';
import type { RunStore } from './run-store.js';

/**
 * Writes what a running handler reports (log lines, metrics, progress) one after another in
 * the order it reported them, without making it wait or fail: a failed write is passed to
 * `onError` and the run goes on. Progress is coalesced, so a handler may report it per row
 * and cause at most one pending write.
 */
export class RunRecorder {
  #chain: Promise<void> = Promise.resolve();
  #progress: RunProgress | null = null;
  #progressPending = false;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  log(level: RunLogLevel, message: string): Promise<void> {
    return this.#then(() => this.store.log(this.runId, level, message));
  }

  /** @throws LakeError INVALID_ARGUMENT at once for a metric that is not a finite number. */
  addMetrics(metrics: Record<string, number>): Promise<void> {
    const copy = { ...checkMetrics(metrics) };
    return this.#then(() => this.store.addMetrics(this.runId, copy));
  }

  setProgress(progress: RunProgress): Promise<void> {
    this.#progress = { ...progress };
    if (this.#progressPending) return this.#chain;
    this.#progressPending = true;
    return this.#then(() => {
      this.#progressPending = false;
      return this.store.setProgress(this.runId, this.#progress);
    });
  }

  /** Resolves when everything reported so far is written (or has failed and been reported). */
  flush(): Promise<void> {
    return this.#chain;
  }

  #then(write: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(write).catch(this.onError);
    return this.#chain;
  }
}
