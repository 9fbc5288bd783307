import { backoffDelay, type Backoff } from './backoff.js';

export interface Repeating {
  /** Stops repeating and resolves once a task in flight has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, never overlapping itself: the next wait starts when the
 * task has finished, so a slow database slows the beat instead of piling up queries.
 * A task reports its own failures; a rejection is otherwise ignored and the beat goes on,
 * after `backoff` when given (doubling while the task keeps failing, back to `intervalMs`
 * once it succeeds), so that a beat against a database that is away does not hammer it.
 */
export function repeatEvery(
  intervalMs: number,
  task: () => Promise<void>,
  backoff?: Backoff,
): Repeating {
  let stopped = false;
  let failures = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delayMs: number): void => {
    timer = setTimeout(() => {
      inFlight = task().then(
        () => {
          failures = 0;
          if (!stopped) schedule(intervalMs);
        },
        () => {
          failures += 1;
          if (!stopped)
            schedule(backoff ? Math.max(intervalMs, backoffDelay(backoff, failures)) : intervalMs);
        },
      );
    }, delayMs);
    // The work being watched keeps the process alive, not its watcher.
    timer.unref();
  };
  schedule(intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
