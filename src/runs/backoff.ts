import { setTimeout as sleep } from 'node:timers/promises';
import { isConnectionLost } from '../meta/connection-lost.js';

/** First wait after a failure, doubled for each later one up to `maxMs`. */
export interface Backoff {
  firstMs: number;
  maxMs: number;
}

/** Waits of a process that lost its metadata database: 250 ms, then doubling, at most 5 s. */
export const METADATA_BACKOFF: Backoff = { firstMs: 250, maxMs: 5_000 };

/** The wait before try `failures + 1`, with up to a quarter of jitter so processes spread out. */
export function backoffDelay(backoff: Backoff, failures: number): number {
  const base = Math.min(backoff.firstMs * 2 ** Math.max(0, failures - 1), backoff.maxMs);
  return Math.round(base * (0.75 + Math.random() * 0.25));
}

/**
 * Runs `operation` until it is done, waiting out a lost metadata database (refused, reset,
 * timed out) with backoff: a run's end must be recorded, not dropped because the database
 * was away when the run ended. Other errors are thrown at once, as is the signal's reason
 * when it aborts.
 */
export async function untilReachable<T>(
  operation: () => Promise<T>,
  options: { signal?: AbortSignal; report?: (error: unknown) => void; backoff?: Backoff } = {},
): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await operation();
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      options.signal?.throwIfAborted();
      if (failures === 1) options.report?.(error);
      await sleep(backoffDelay(options.backoff ?? METADATA_BACKOFF, failures), undefined, {
        signal: options.signal,
      });
    }
  }
}
