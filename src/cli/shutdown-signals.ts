/**
 * SIGTERM and SIGINT for a long-running command: `first` resolves at the first signal,
 * `again` aborts at the second. One listener stays installed from start to `dispose()`:
 * removing the last listener of a signal restores its default action, so a second signal
 * arriving between a `once` listener and the next would kill the process outright.
 */
export interface ShutdownSignals {
  readonly first: Promise<NodeJS.Signals>;
  readonly again: AbortSignal;
  dispose(): void;
}

export function shutdownSignals(): ShutdownSignals {
  const again = new AbortController();
  let received = 0;
  let resolveFirst!: (signal: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received === 1) resolveFirst(signal);
    else again.abort(new Error(`${signal} received again`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    first,
    again: again.signal,
    dispose() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
