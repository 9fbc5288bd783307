import type { ErrorCode } from '../errors/lake-error.js';

/** What `lakebox` exit codes mean; documented in docs/cli.md. */
export const ExitCode = {
  ok: 0,
  /** The operation failed (a SQL error, a conflict, an unreachable service...). */
  failed: 1,
  /** The command line or the input was wrong (unknown table, bad option, bad config...). */
  usage: 2,
  /** The work finished but part of it failed (a run ended `succeeded_with_errors`). */
  partial: 3,
  /** The work was cancelled. */
  cancelled: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const { failed, usage, cancelled } = ExitCode;

/**
 * The exit code of every error code; a new code breaks the build until it is placed here and
 * in the table of docs/cli.md (a test holds the two equal). Input errors (2) are the ones the
 * user cures by changing the command or its input: names that do not exist or already exist,
 * bad options, files or data of the wrong shape. A state that blocks the work (a running task,
 * a non-empty database) or a system that fails is 1.
 */
export const EXIT_CODES: Record<ErrorCode, ExitCode> = {
  INVALID_ARGUMENT: usage,
  INVALID_IDENTIFIER: usage,
  INVALID_KEY: usage,
  INVALID_CONFIG: usage,
  CONFIG_NOT_FOUND: usage,
  LAKE_EXISTS: usage,
  OBJECT_NOT_FOUND: failed,
  DATABASE_NOT_FOUND: usage,
  DATABASE_EXISTS: usage,
  DATABASE_NOT_EMPTY: failed,
  TABLE_NOT_FOUND: usage,
  TABLE_EXISTS: usage,
  SNAPSHOT_NOT_FOUND: usage,
  SNAPSHOT_EXPIRED: usage,
  SNAPSHOT_IN_FUTURE: usage,
  SQL_ACCESS_DENIED: usage,
  SCHEMA_MISMATCH: usage,
  COMMIT_CONFLICT: failed,
  DUPLICATE_MERGE_KEY: usage,
  SQL_ERROR: failed,
  UNSUPPORTED_STATEMENT: usage,
  FILE_NOT_FOUND: usage,
  UNSUPPORTED_FORMAT: usage,
  MALFORMED_FILE: usage,
  RUN_NOT_FOUND: usage,
  RUN_NOT_CANCELLABLE: failed,
  RUN_CANCELLED: cancelled,
  UNKNOWN_RUN_KIND: usage,
  WORKER_LOST: failed,
  RUN_TIMEOUT: failed,
  RUN_CONCURRENCY_LIMIT: failed,
  EXECUTOR_CLOSED: failed,
  STORAGE_UNREACHABLE: failed,
  STORAGE_ACCESS_DENIED: failed,
  STORAGE_ERROR: failed,
  METADATA_UNREACHABLE: failed,
  METADATA_ERROR: failed,
  METADATA_NOT_FOUND: usage,
  LAKE_MISMATCH: usage,
  RULESET_PARSE_ERROR: usage,
  RULESET_NOT_FOUND: usage,
  RULESET_EXISTS: usage,
  COLUMN_NOT_FOUND: usage,
  SOURCE_NOT_FOUND: usage,
  SOURCE_EXISTS: usage,
  SOURCE_UNREACHABLE: failed,
  SOURCE_AUTH_FAILED: failed,
  SOURCE_PERMISSION_DENIED: failed,
  SOURCE_NOT_READY_FOR_CDC: failed,
  SOURCE_ERROR: failed,
  SOURCE_TABLE_NOT_FOUND: usage,
  MIGRATION_TASK_NOT_FOUND: usage,
  MIGRATION_TASK_EXISTS: usage,
  MIGRATION_TASK_RUNNING: failed,
  SOURCE_SCHEMA_CHANGED: failed,
  CDC_UNSUPPORTED_TABLE: usage,
  SYNC_TASK_NOT_FOUND: usage,
  SYNC_TASK_EXISTS: usage,
  CRAWLER_NOT_FOUND: usage,
  CRAWLER_EXISTS: usage,
  CRAWLER_BUSY: failed,
  JOB_NOT_FOUND: usage,
  JOB_EXISTS: usage,
  JOB_TIMEOUT: failed,
  JOB_CONCURRENCY_LIMIT: failed,
  TRANSFORM_BUILD_FAILED: usage,
  TRANSFORM_INVALID: usage,
  TRANSFORM_FAILED: failed,
  USER_CODE_FAILED: failed,
  FUNCTION_NOT_FOUND: usage,
  FUNCTION_EXISTS: usage,
  TRIGGER_NOT_FOUND: usage,
  TRIGGER_EXISTS: usage,
  TRIGGER_LOOP: usage,
  FUNCTION_BUILD_FAILED: usage,
  FUNCTION_INVALID: usage,
  DEAD_LETTER_NOT_FOUND: usage,
  TOKEN_NOT_FOUND: usage,
  MODEL_NOT_FOUND: usage,
  MODEL_VERSION_NOT_FOUND: usage,
  MODEL_ALIAS_CONFLICT: failed,
  ENDPOINT_NOT_FOUND: usage,
  ENDPOINT_EXISTS: usage,
  ENDPOINT_UPDATE_FAILED: failed,
  ENDPOINT_NOT_SERVING: failed,
  UNAUTHORIZED: failed,
  PAYLOAD_TOO_LARGE: usage,
  USER_CODE_TIMEOUT: failed,
  USER_CODE_OUT_OF_MEMORY: failed,
  QUALITY_GATE_FAILED: failed,
  QUALITY_UNAVAILABLE: failed,
  ROUTE_NOT_FOUND: usage,
  INTERNAL: failed,
};

export function exitCodeFor(code: ErrorCode): ExitCode {
  // Codes recorded in runs come back as strings; one the map lacks is an internal failure.
  return EXIT_CODES[code] ?? failed;
}
