/** Network-level failures: the database may answer again later, so the work may wait for it. */
const LOST_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  // PostgreSQL: administrator shutdown, crash shutdown, cannot connect now.
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * Whether `error` says the metadata database could not be reached (refused, reset, timed
 * out, shutting down) rather than that it refused the statement. Only these are waited out;
 * a wrong statement or a constraint must fail at once.
 */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionLost);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (LOST_CODES.has(code) || code.startsWith('08'))) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /connection terminated|timeout expired|Connection terminated unexpectedly|Client has encountered a connection error/i.test(
    message,
  );
}
