import { hostname } from 'node:os';

/** This process as a run's worker: `host:pid`. */
export function localWorkerId(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * For `RunStore.recoverLost`: a worker on this host is alive while its process exists.
 * Workers on other hosts cannot be checked from here and count as alive, as does this
 * process itself (its runs are its own executors' business, never lost).
 */
export function isLocalWorkerAlive(worker: string): boolean {
  const separator = worker.lastIndexOf(':');
  const pid = Number(worker.slice(separator + 1));
  if (separator < 0 || worker.slice(0, separator) !== hostname()) return true;
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
