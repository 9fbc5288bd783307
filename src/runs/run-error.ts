import { LakeError } from '../errors/lake-error.js';
import type { RunError } from './run.js';
import { redactCredentials } from './redact-credentials.js';

const MAX_MESSAGE_LENGTH = 4000;

/**
 * The record a run keeps of an error: a LakeError's code and message (written for users,
 * without secrets); for anything else `INTERNAL` and the error's own message. Stacks and
 * causes stay in the process, where the executor's error hook sees them.
 */
export function runErrorOf(error: unknown): RunError {
  if (error instanceof LakeError) return { code: error.code, message: clean(error.message) };
  if (error instanceof Error)
    return { code: 'INTERNAL', message: clean(error.message || error.name) };
  return { code: 'INTERNAL', message: clean(String(error)) };
}

function clean(message: string): string {
  const redacted = redactCredentials(message);
  return redacted.length > MAX_MESSAGE_LENGTH
    ? `${redacted.slice(0, MAX_MESSAGE_LENGTH)}… (truncated)`
    : redacted;
}
