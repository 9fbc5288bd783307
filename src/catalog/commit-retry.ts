import { isLakeError } from '../errors/lake-error.js';

export interface RetryOptions {
  attempts?: number;
  /** Base delay; each retry waits a random time up to base × 2^attempt (full jitter). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `attempt` again while it fails with COMMIT_CONFLICT. `attempt` must re-read the table
 * (its parent snapshot) each time; that is what makes the retry correct.
 */
export async function withCommitRetry<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 50;
  const base = options.baseDelayMs ?? 2;
  const max = options.maxDelayMs ?? 250;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isLakeError(error, 'COMMIT_CONFLICT') || n >= attempts) throw error;
      const delay = Math.random() * Math.min(max, base * 2 ** n);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
