import { setTimeout as sleep } from 'node:timers/promises';

/** Where the limiter reads the time and waits: the real clock, or a test's. */
export interface LimiterClock {
  /** Milliseconds, only ever compared with each other. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const REAL_CLOCK: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/**
 * A token bucket shared by every transfer of an execution, so that the limit holds for all
 * of them together. Written by hand: the few lines below are all it takes, and the stream
 * throttling packages keep a separate limit per stream.
 *
 * Over any span of time T from its creation, at most `burst + bytesPerSecond * T` bytes pass,
 * where the burst is a quarter of a second's worth.
 */
export class BandwidthLimiter {
  /** A quarter of a second's worth of burst keeps the rate smooth at any chunk size. */
  readonly burst: number;
  #available: number;
  #refilledAt: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly bytesPerSecond: number,
    private readonly clock: LimiterClock = REAL_CLOCK,
  ) {
    this.burst = bytesPerSecond / 4;
    this.#available = this.burst;
    this.#refilledAt = clock.now();
  }

  /** Passes the chunks of `body` on no faster than the shared limit allows. */
  async *throttle(body: AsyncIterable<Buffer>, signal?: AbortSignal): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      await this.take(chunk.length, signal);
      yield chunk;
    }
  }

  /** Resolves once `bytes` may go; takers are served in order. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(async () => {
      for (;;) {
        const now = this.clock.now();
        this.#available = Math.min(
          this.burst,
          this.#available + ((now - this.#refilledAt) / 1000) * this.bytesPerSecond,
        );
        this.#refilledAt = now;
        // A chunk larger than the burst goes once the bucket is full, leaving it in debt.
        if (this.#available >= Math.min(bytes, this.burst)) {
          this.#available -= bytes;
          return;
        }
        const missing = Math.min(bytes, this.burst) - this.#available;
        await this.clock.sleep(Math.max(5, (missing / this.bytesPerSecond) * 1000), signal);
      }
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }
}
