import { LakeError } from '../errors/lake-error.js';

/** `--as-of 42` is a snapshot id; `--as-of 2026-01-31T12:00:00Z` is a time. */
export function parseAsOf(value: string | undefined): number | Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `--as-of ${value} is neither a snapshot id nor a time; use e.g. 42 or 2026-01-31T12:00:00Z.`,
    );
  }
  return time;
}
