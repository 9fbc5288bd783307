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

const USAGE_CODES = new Set<ErrorCode>([
  'INVALID_ARGUMENT',
  'INVALID_IDENTIFIER',
  'INVALID_KEY',
  'INVALID_CONFIG',
  'CONFIG_NOT_FOUND',
  'LAKE_EXISTS',
  'DATABASE_NOT_FOUND',
  'TABLE_NOT_FOUND',
  'SNAPSHOT_NOT_FOUND',
  'RUN_NOT_FOUND',
  'UNKNOWN_RUN_KIND',
  'FILE_NOT_FOUND',
  'UNSUPPORTED_FORMAT',
  'UNSUPPORTED_STATEMENT',
  'RULESET_PARSE_ERROR',
  'RULESET_NOT_FOUND',
  'RULESET_EXISTS',
  'COLUMN_NOT_FOUND',
  'SOURCE_NOT_FOUND',
  'MIGRATION_TASK_NOT_FOUND',
  'SOURCE_TABLE_NOT_FOUND',
  'SYNC_TASK_NOT_FOUND',
  'SYNC_TASK_EXISTS',
  'CRAWLER_NOT_FOUND',
  'CRAWLER_EXISTS',
  'JOB_NOT_FOUND',
  'JOB_EXISTS',
  'TRANSFORM_BUILD_FAILED',
  'TRANSFORM_INVALID',
]);

export function exitCodeFor(code: ErrorCode): number {
  return USAGE_CODES.has(code) ? ExitCode.usage : ExitCode.failed;
}
