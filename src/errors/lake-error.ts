/**
 * The one error type Lakebox throws at its users. `code` is stable and machine-readable;
 * `message` says what was wrong and what to do next. `transient` marks errors that a retry
 * may cure (a conflict, a dropped connection); retry policies read the mark, never the text.
 */
export class LakeError extends Error {
  override readonly name = 'LakeError';
  readonly code: ErrorCode;
  readonly transient: boolean;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; transient?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.transient = options.transient ?? false;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_IDENTIFIER'
  | 'INVALID_KEY'
  | 'INVALID_CONFIG'
  | 'CONFIG_NOT_FOUND'
  | 'LAKE_EXISTS'
  | 'OBJECT_NOT_FOUND'
  | 'DATABASE_NOT_FOUND'
  | 'DATABASE_EXISTS'
  | 'DATABASE_NOT_EMPTY'
  | 'TABLE_NOT_FOUND'
  | 'TABLE_EXISTS'
  | 'SNAPSHOT_NOT_FOUND'
  | 'SNAPSHOT_EXPIRED'
  | 'SNAPSHOT_IN_FUTURE'
  | 'SCHEMA_MISMATCH'
  | 'COMMIT_CONFLICT'
  | 'DUPLICATE_MERGE_KEY'
  | 'SQL_ERROR'
  | 'SQL_ACCESS_DENIED'
  | 'UNSUPPORTED_STATEMENT'
  | 'FILE_NOT_FOUND'
  | 'UNSUPPORTED_FORMAT'
  /** A file's content cannot be read as its format says (a ragged CSV row, with its line). */
  | 'MALFORMED_FILE'
  | 'RUN_NOT_FOUND'
  | 'RUN_NOT_CANCELLABLE'
  | 'RUN_CANCELLED'
  | 'UNKNOWN_RUN_KIND'
  | 'WORKER_LOST'
  | 'RUN_TIMEOUT'
  | 'RUN_CONCURRENCY_LIMIT'
  | 'EXECUTOR_CLOSED'
  | 'STORAGE_UNREACHABLE'
  | 'STORAGE_ACCESS_DENIED'
  | 'STORAGE_ERROR'
  | 'METADATA_UNREACHABLE'
  | 'METADATA_ERROR'
  | 'METADATA_NOT_FOUND'
  | 'LAKE_MISMATCH'
  | 'RULESET_PARSE_ERROR'
  | 'RULESET_NOT_FOUND'
  | 'RULESET_EXISTS'
  | 'COLUMN_NOT_FOUND'
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_EXISTS'
  | 'SOURCE_UNREACHABLE'
  | 'SOURCE_AUTH_FAILED'
  | 'SOURCE_PERMISSION_DENIED'
  | 'SOURCE_NOT_READY_FOR_CDC'
  | 'SOURCE_ERROR'
  | 'SOURCE_TABLE_NOT_FOUND'
  | 'MIGRATION_TASK_NOT_FOUND'
  | 'MIGRATION_TASK_EXISTS'
  | 'MIGRATION_TASK_RUNNING'
  | 'CDC_UNSUPPORTED_TABLE'
  | 'SOURCE_SCHEMA_CHANGED'
  | 'SYNC_TASK_NOT_FOUND'
  | 'SYNC_TASK_EXISTS'
  | 'CRAWLER_NOT_FOUND'
  | 'CRAWLER_EXISTS'
  | 'CRAWLER_BUSY'
  | 'JOB_NOT_FOUND'
  | 'JOB_EXISTS'
  | 'JOB_TIMEOUT'
  | 'JOB_CONCURRENCY_LIMIT'
  | 'TRANSFORM_BUILD_FAILED'
  | 'TRANSFORM_INVALID'
  | 'TRANSFORM_FAILED'
  | 'USER_CODE_FAILED'
  | 'FUNCTION_NOT_FOUND'
  | 'FUNCTION_EXISTS'
  | 'FUNCTION_BUILD_FAILED'
  | 'FUNCTION_INVALID'
  | 'DEAD_LETTER_NOT_FOUND'
  | 'TRIGGER_NOT_FOUND'
  | 'TRIGGER_EXISTS'
  | 'TRIGGER_LOOP'
  | 'TOKEN_NOT_FOUND'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_VERSION_NOT_FOUND'
  | 'MODEL_ALIAS_CONFLICT'
  | 'ENDPOINT_NOT_FOUND'
  | 'ENDPOINT_EXISTS'
  | 'ENDPOINT_UPDATE_FAILED'
  | 'ENDPOINT_NOT_SERVING'
  | 'UNAUTHORIZED'
  | 'PAYLOAD_TOO_LARGE'
  | 'USER_CODE_TIMEOUT'
  | 'USER_CODE_OUT_OF_MEMORY'
  | 'QUALITY_GATE_FAILED'
  | 'QUALITY_UNAVAILABLE'
  | 'ROUTE_NOT_FOUND'
  | 'INTERNAL';

export function isLakeError(error: unknown, code?: ErrorCode): error is LakeError {
  return error instanceof LakeError && (code === undefined || error.code === code);
}
