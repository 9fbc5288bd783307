import { LakeError } from '../errors/lake-error.js';
import type { RunRow } from '../meta/schema.js';
import type { RunConcurrency } from './run.js';
import { currentCause } from './run-cause.js';
import { newRunId } from './run-id.js';

export interface NewRun {
  kind: string;
  name?: string;
  /** Stored in the run record as JSON: pass secret references (`${env:NAME}`), never values. */
  parameters?: Record<string, unknown>;
  /** How many attempts a failure with a transient error may use in all; 1 means no retry. */
  maxAttempts?: number;
  attempt?: number;
  retryOf?: string;
  /**
   * The process that queued the run and will run it (local executors), so that a run left
   * queued by a process that died is found by `recoverLost` like a running one.
   */
  worker?: string;
  /** Shared by runs that may run only so many at a time (see `claim`). */
  concurrency?: RunConcurrency;
  /**
   * With a concurrency key: refuse the run at once, with RUN_CONCURRENCY_LIMIT, when the
   * key already has `limit` runs queued or running, instead of queueing it to wait its turn.
   * Checked in the transaction that inserts the run.
   */
  refuseWhenFull?: boolean;
  timeoutMs?: number;
  /** Epoch ms before which the run is not to be claimed (a retry's backoff). */
  notBefore?: number;
  /**
   * A start that may be repeated after a crash (a scheduler's tick, a trigger's delivery of
   * an event): a second `create` with the same key returns the run the first one made.
   */
  idempotencyKey?: string;
  /**
   * Trigger deliveries that led to this run: given by the dispatcher, else the depth of the
   * run that submits it (see run-cause.ts), else 0.
   */
  chainDepth?: number;
}

const KIND_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

/**
 * The row of a new queued run, checked: a malformed kind, attempt count, concurrency,
 * timeout or parameters is refused before anything is written.
 *
 * @throws LakeError INVALID_ARGUMENT
 */
export function newRunRow(spec: NewRun): RunRow {
  if (typeof spec.kind !== 'string' || !KIND_PATTERN.test(spec.kind)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Run kind "${String(spec.kind)}" is not valid; use a letter followed by letters, digits, "_", "." or "-".`,
    );
  }
  const attempt = spec.attempt ?? 1;
  const maxAttempts = spec.maxAttempts ?? 1;
  for (const [label, value] of [
    ['attempt', attempt],
    ['maxAttempts', maxAttempts],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 1000) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `${label} is ${String(value)}; it must be a whole number from 1 to 1000.`,
      );
    }
  }
  if (spec.concurrency) checkConcurrency(spec.concurrency);
  if (spec.timeoutMs !== undefined && !(Number.isInteger(spec.timeoutMs) && spec.timeoutMs > 0)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `timeoutMs is ${String(spec.timeoutMs)}; it must be a whole number of milliseconds above 0.`,
    );
  }
  const now = Date.now();
  return {
    run_id: newRunId(now),
    kind: spec.kind,
    name: spec.name ?? null,
    status: 'queued',
    attempt,
    max_attempts: maxAttempts,
    retry_of: spec.retryOf ?? null,
    parameters: parametersJson(spec.kind, spec.parameters ?? {}),
    metrics: '{}',
    progress: null,
    error: null,
    cancel_requested: 0,
    worker: spec.worker ?? null,
    created_at: now,
    started_at: null,
    ended_at: null,
    heartbeat_at: null,
    concurrency_key: spec.concurrency?.key ?? null,
    concurrency_limit: spec.concurrency?.limit ?? null,
    not_before: spec.notBefore ?? null,
    timeout_ms: spec.timeoutMs ?? null,
    idempotency_key: spec.idempotencyKey ?? null,
    chain_depth: spec.chainDepth ?? currentCause()?.chainDepth ?? 0,
  };
}

function checkConcurrency({ key, limit }: RunConcurrency): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Concurrency key "${String(key)}" is not valid; use 1 to 200 characters, such as "job:daily_sales".`,
    );
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The concurrency limit of ${key} is ${String(limit)}; it must be a whole number from 1 to 10000.`,
    );
  }
}

function parametersJson(kind: string, parameters: Record<string, unknown>): string {
  const problem = `Parameters of a ${kind} run must be a JSON object (plain values, no BigInt or cycles).`;
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new LakeError('INVALID_ARGUMENT', problem);
  }
  try {
    return JSON.stringify(parameters);
  } catch (cause) {
    throw new LakeError('INVALID_ARGUMENT', problem, { cause });
  }
}
