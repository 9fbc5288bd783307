export interface Repeating {
  /** Stops repeating and resolves once a task in flight has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, never overlapping itself: the next wait starts when the
 * task has finished, so a slow database slows the beat instead of piling up queries.
 * A task reports its own failures; a rejection is ignored and the beat goes on.
 */
export function repeatEvery(intervalMs: number, task: () => Promise<void>): Repeating {
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(() => {
      const next = (): void => {
        if (!stopped) schedule();
      };
      inFlight = task().then(next, next);
    }, intervalMs);
    // The work being watched keeps the process alive, not its watcher.
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
