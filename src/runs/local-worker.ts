import { hostname } from 'node:os';

let executorsInProcess = 0;

/** This process as a run's worker: `host:pid`. */
export function localWorkerId(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * The worker id of a new executor in this process: `host:pid` for the first, `host:pid#2`
 * and on for later ones (tests, or a process that opens a lake twice), so that one closing
 * and leaving the registry never makes another one's runs look lost.
 */
export function newWorkerId(): string {
  executorsInProcess++;
  return executorsInProcess === 1 ? localWorkerId() : `${localWorkerId()}#${executorsInProcess}`;
}

/**
 * A worker on this host is alive while its process exists. Workers on other hosts cannot be
 * checked from here and count as alive (their heartbeat decides), as does this process
 * itself (its runs are its own executors' business).
 */
export function isLocalWorkerAlive(worker: string): boolean {
  const separator = worker.lastIndexOf(':');
  const pid = Number(worker.slice(separator + 1).replace(/#\d+$/, ''));
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
