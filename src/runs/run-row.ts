import type { Kysely, Selectable } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema, RunLogRow, RunRow } from '../meta/schema.js';
import type { Run, RunLogEntry, RunLogLevel, RunProgress, RunStatus } from './run.js';

/** The row of a run. @throws LakeError RUN_NOT_FOUND */
export async function readRunRow(db: Kysely<MetaSchema>, id: string): Promise<RunRow> {
  const row = await db.selectFrom('lb_run').selectAll().where('run_id', '=', id).executeTakeFirst();
  if (!row) throw runNotFound(id);
  return row;
}

export function runNotFound(id: string): LakeError {
  const hint = id.startsWith('run_')
    ? 'Check the id; list recent runs to find it.'
    : 'Run ids start with "run_"; check that you passed a run id.';
  return new LakeError('RUN_NOT_FOUND', `No run with id "${id}". ${hint}`, {
    details: { runId: id },
  });
}

export function toRun(row: RunRow): Run {
  return {
    id: row.run_id,
    kind: row.kind,
    name: row.name,
    status: row.status as RunStatus,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    retryOf: row.retry_of,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    metrics: JSON.parse(row.metrics) as Record<string, number>,
    progress: row.progress === null ? null : (JSON.parse(row.progress) as RunProgress),
    error: row.error === null ? null : (JSON.parse(row.error) as Run['error']),
    cancelRequested: row.cancel_requested === 1,
    worker: row.worker,
    concurrency:
      row.concurrency_key === null
        ? null
        : { key: row.concurrency_key, limit: row.concurrency_limit ?? 1 },
    timeoutMs: row.timeout_ms === null ? null : Number(row.timeout_ms),
    notBefore: toDate(row.not_before),
    createdAt: new Date(row.created_at),
    startedAt: toDate(row.started_at),
    endedAt: toDate(row.ended_at),
    heartbeatAt: toDate(row.heartbeat_at),
    chainDepth: row.chain_depth,
  };
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

export function toLogEntry(row: Selectable<RunLogRow>): RunLogEntry {
  return {
    id: row.log_id,
    ts: new Date(row.ts),
    level: row.level as RunLogLevel,
    message: row.message,
  };
}

/** Stored metrics with `metrics` merged in: a name given again replaces its earlier value. */
export function mergeMetrics(stored: string, metrics: Record<string, number>): string {
  return JSON.stringify({ ...(JSON.parse(stored) as Record<string, number>), ...metrics });
}
