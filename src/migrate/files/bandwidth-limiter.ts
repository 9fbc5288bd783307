import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A token bucket shared by every transfer of an execution, so that the limit holds for all
 * of them together. Written by hand: the few lines below are all it takes, and the stream
 * throttling packages keep a separate limit per stream.
 */
export class BandwidthLimiter {
  #available: number;
  #refilledAt = Date.now();
  #queue: Promise<void> = Promise.resolve();

  constructor(private readonly bytesPerSecond: number) {
    // A quarter of a second's worth of burst keeps the rate smooth at any chunk size.
    this.#available = bytesPerSecond / 4;
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
        const now = Date.now();
        this.#available = Math.min(
          this.bytesPerSecond / 4,
          this.#available + ((now - this.#refilledAt) / 1000) * this.bytesPerSecond,
        );
        this.#refilledAt = now;
        // A chunk larger than the burst goes once the bucket is full, leaving it in debt.
        if (this.#available >= Math.min(bytes, this.bytesPerSecond / 4)) {
          this.#available -= bytes;
          return;
        }
        const missing = Math.min(bytes, this.bytesPerSecond / 4) - this.#available;
        await sleep(Math.max(5, (missing / this.bytesPerSecond) * 1000), undefined, { signal });
      }
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }
}
