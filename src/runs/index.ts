export type {
  Run,
  RunError,
  RunLogEntry,
  RunLogLevel,
  RunProgress,
  RunConcurrency,
  RunStatus,
  TerminalRunStatus,
} from './run.js';
export { RUN_STATUSES, isRunStatus, isTerminalStatus } from './run.js';
export type { RunEnd, RunHeartbeat, RunQuery } from './run-store.js';
export type { NewRun } from './new-run.js';
export type { RecoveredRuns } from './lost-run-recovery.js';
export type { RunLogQuery } from './run-log-store.js';
export { RunStore } from './run-store.js';
export type {
  RunContext,
  RunExecutor,
  RunHandler,
  RunOutcome,
  SubmitOptions,
  WaitOptions,
} from './run-executor.js';
export type { LocalExecutorOptions } from './local-executor.js';
export type {
  DistributedExecutorOptions,
  StopOptions,
  WorkOptions,
} from './distributed-executor.js';
export type { ClaimResult } from './run-store.js';
export type { RunDispatch } from './run-dispatch.js';
export type { WorkerInfo, WorkerRecord } from './worker-registry.js';
export { WorkerRegistry } from './worker-registry.js';
export { LocalExecutor } from './local-executor.js';
export { isLocalWorkerAlive, localWorkerId, newWorkerId } from './local-worker.js';
export { runErrorOf } from './run-error.js';
