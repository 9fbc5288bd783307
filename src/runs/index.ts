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
export type {
  NewRun,
  RecoveredRuns,
  RunEnd,
  RunHeartbeat,
  RunLogQuery,
  RunQuery,
} from './run-store.js';
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
export type { ClaimResult, RunDispatch } from './run-store.js';
export type { WorkerInfo, WorkerRecord } from './worker-registry.js';
export { WorkerRegistry } from './worker-registry.js';
export { LocalExecutor } from './local-executor.js';
export { isLocalWorkerAlive, localWorkerId, newWorkerId } from './local-worker.js';
export { runErrorOf } from './run-error.js';
