import { quoteIdentifier } from '../catalog/identifier.js';
import type { TableSession } from '../engine/table-session.js';
import { LakeError } from '../errors/lake-error.js';
import type { JobRelation, TransformContext, TransformFunction } from './transform-api.js';
import { callUserCode } from '../user-code/user-code-boundary.js';

/** What a transform produced: a SELECT over its inputs, or records to write. */
export type TransformOutput = { sql: string } | { records: Record<string, unknown>[] };

export interface TransformCall {
  jobName: string;
  runId: string;
  parameters: Record<string, string>;
  /** Input tables as `database.table`. */
  inputs: string[];
  signal: AbortSignal;
  log(message: string): void;
}

/**
 * Calls user code inside an error boundary: whatever it throws comes back as one
 * TRANSFORM_FAILED LakeError naming the job, with the original error as its cause; a
 * transform that ignores the abort signal is abandoned when the run is cancelled or times
 * out, so it can never commit late.
 */
export async function runTransform(
  transform: TransformFunction,
  session: TableSession,
  call: TransformCall,
): Promise<TransformOutput> {
  const relation = (sql: string, display: string): JobRelation => ({
    sql,
    rows: () => session.rows(sql),
    arrow: () => session.arrow(sql),
    columns: () => session.describe(sql),
    toString: () => display,
  });
  const inputs: Record<string, JobRelation> = {};
  const bare = new Map<string, number>();
  for (const name of call.inputs)
    bare.set(name.split('.')[1]!, (bare.get(name.split('.')[1]!) ?? 0) + 1);
  for (const name of call.inputs) {
    const [database, table] = name.split('.') as [string, string];
    const quoted = `${quoteIdentifier(database)}.${quoteIdentifier(table)}`;
    inputs[name] = relation(`SELECT * FROM ${quoted}`, quoted);
    if (bare.get(table) === 1) inputs[table] = inputs[name];
  }
  const ctx: TransformContext = {
    jobName: call.jobName,
    runId: call.runId,
    parameters: Object.freeze({ ...call.parameters }),
    signal: call.signal,
    sql: (query) => relation(query, `(${query})`),
    log: call.log,
  };
  const result = await callUserCode(
    () => transform(inputs, ctx),
    call.signal,
    (message, cause) =>
      new LakeError('TRANSFORM_FAILED', `The transform of job ${call.jobName} failed: ${message}`, {
        cause,
        details: { job: call.jobName, runId: call.runId },
      }),
  );
  return outputOf(result, call.jobName);
}

function outputOf(result: unknown, jobName: string): TransformOutput {
  if (isRelation(result)) return { sql: result.sql };
  if (isArrowTable(result)) return { records: arrowRecords([result]) };
  if (Array.isArray(result)) {
    if (result.length > 0 && result.every(isArrowTable)) return { records: arrowRecords(result) };
    if (result.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r)))
      return { records: result as Record<string, unknown>[] };
  }
  throw new LakeError(
    'TRANSFORM_FAILED',
    `The transform of job ${jobName} returned ${describe(result)}; return a relation (ctx.sql(...) or an input), Arrow record batches or a table, or an array of records.`,
  );
}

function isRelation(value: unknown): value is JobRelation {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as JobRelation).sql === 'string' &&
    typeof (value as JobRelation).rows === 'function'
  );
}

// Duck-typed: the transform's bundle carries its own copy of apache-arrow.
function isArrowTable(value: unknown): value is { toArray(): unknown[]; schema: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'schema' in value &&
    typeof (value as { toArray?: unknown }).toArray === 'function'
  );
}

function arrowRecords(batches: Array<{ toArray(): unknown[] }>): Record<string, unknown>[] {
  return batches.flatMap((batch) =>
    batch.toArray().map((row) => {
      const value = row as { toJSON?: () => Record<string, unknown> };
      return typeof value.toJSON === 'function' ? value.toJSON() : (row as Record<string, unknown>);
    }),
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array that is not records';
  return typeof value;
}
