export type {
  Run,
  RunError,
  RunLogEntry,
  RunLogLevel,
  RunProgress,
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
export { LocalExecutor } from './local-executor.js';
export { isLocalWorkerAlive, localWorkerId } from './local-worker.js';
export { runErrorOf } from './run-error.js';
