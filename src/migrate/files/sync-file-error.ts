import { isLakeError } from '../../errors/lake-error.js';

/** Errors that concern a whole location, not one file: the execution stops at the first. */
const LOCATION_FAILURES = new Set([
  'STORAGE_UNREACHABLE',
  'STORAGE_ACCESS_DENIED',
  'METADATA_UNREACHABLE',
]);

/** Whether `error` fails a whole location (unreachable, refused credentials), not one file. */
export function isLocationFailure(error: unknown): boolean {
  return isLakeError(error) && LOCATION_FAILURES.has(error.code);
}

/**
 * A failure of one file (it vanished, could not be read, changed while read, failed its
 * checksum): recorded in the execution's report while the rest goes on. Failures of a whole
 * location (unreachable, refused credentials) are LakeErrors and end the execution.
 */
export class SyncFileError extends Error {
  override readonly name = 'SyncFileError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A filesystem error of one file as a SyncFileError, keeping the errno in the message. */
export function fileErrorOf(error: unknown, path: string, doing: string): SyncFileError {
  if (error instanceof SyncFileError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new SyncFileError('SOURCE_VANISHED', `${path} vanished since it was listed`, {
      cause: error,
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SyncFileError(
    doing === 'read' ? 'READ_ERROR' : 'WRITE_ERROR',
    `cannot ${doing} ${path}: ${reason}`,
    { cause: error },
  );
}
