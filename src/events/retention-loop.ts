import { setTimeout as sleep } from 'node:timers/promises';
import type { PruneResult } from './event-retention.js';

export interface RetentionLoopOptions {
  /** Deletes what is past retention (EventService.prune with the configured age). */
  prune(): Promise<PruneResult>;
  /** Whether this process should prune now (the scheduler's leader, on PostgreSQL). */
  active(): boolean;
  /** Between prunes. One hour. */
  everyMs?: number;
  onResult(result: PruneResult): void;
  onError(error: unknown): void;
}

/**
 * The housekeeping of `lakebox serve` that applies the event log's retention: once at start,
 * then every `everyMs`, in the process that leads the scheduler (so that one process prunes).
 */
export class RetentionLoop {
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(private readonly options: RetentionLoopOptions) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    const everyMs = this.options.everyMs ?? 3_600_000;
    // A leader is chosen within a poll or two of start; look often until one is.
    let waitMs = 1000;
    while (!stop.aborted) {
      if (this.options.active()) {
        waitMs = everyMs;
        try {
          this.options.onResult(await this.options.prune());
        } catch (error) {
          this.options.onError(error);
        }
      }
      await sleep(waitMs, undefined, { signal: stop }).catch(() => undefined);
    }
  }
}
