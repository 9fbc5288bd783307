import { LakeError } from '../errors/lake-error.js';

/**
 * The one place where filesystem errors become LakeErrors, so that callers branch on codes
 * that mean the same on every backend. LakeErrors pass through unchanged.
 */
export function mapFsError(
  error: unknown,
  context: { operation: string; key?: string; root: string },
): unknown {
  if (error instanceof LakeError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error;
  const what = context.key === undefined ? '' : ` ${JSON.stringify(context.key)}`;
  const options = { cause: error, details: { errno: code } };
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new LakeError(
        'STORAGE_ACCESS_DENIED',
        `Permission denied to ${context.operation}${what} in ${context.root} (${code}). ` +
          `Check that the user running Lakebox may read and write that directory.`,
        options,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new LakeError(
        'STORAGE_ERROR',
        `No space left to ${context.operation}${what} in ${context.root} (${code}). Free disk space or move the lake.`,
        options,
      );
    case 'EROFS':
      return new LakeError(
        'STORAGE_ERROR',
        `Cannot ${context.operation}${what}: ${context.root} is on a read-only filesystem. Open the lake from a writable directory.`,
        options,
      );
    default:
      return new LakeError(
        'STORAGE_ERROR',
        `Local storage failed to ${context.operation}${what} in ${context.root} (${code}): ${(error as Error).message}`,
        options,
      );
  }
}
