import { checkSchedule } from '../runs/schedule.js';
import { parseTableName, validateIdentifier } from '../catalog/identifier.js';
import type { WriteMode } from '../engine/table-writer.js';
import { LakeError } from '../errors/lake-error.js';
import { checkParameters } from './job-parameters.js';
import type { Job, JobSpec } from './job-types.js';
import { parsePartitionBy } from './partition-spec.js';
import { QUALITY_ACTIONS } from './quality-gate.js';

const WRITE_MODES: readonly WriteMode[] = ['append', 'overwrite', 'overwrite-partitions', 'merge'];

export type JobDefinition = Omit<Job, 'id' | 'createdAt' | 'updatedAt'>;

/**
 * Checks a job spec and gives the definition to store (the artifact key of a TypeScript
 * transform is filled in by the caller after bundling).
 *
 * @throws LakeError INVALID_ARGUMENT / INVALID_IDENTIFIER saying what to change.
 */
export function jobDefinition(name: string, spec: JobSpec): JobDefinition {
  const jobName = validateIdentifier(name, 'job name');
  if ((spec.sql === undefined) === (spec.module === undefined)) {
    throw invalid(
      'A job runs either SQL (--sql FILE) or a TypeScript module (--module FILE): give exactly one.',
    );
  }
  if (spec.sql !== undefined && spec.sql.trim() === '') throw invalid("The job's SQL is empty.");
  const target = parseTableName(spec.target);
  const mode = spec.mode ?? 'append';
  if (!WRITE_MODES.includes(mode))
    throw invalid(`Unknown write mode "${String(mode)}": use ${WRITE_MODES.join(', ')}.`);
  if (mode === 'merge' && !spec.mergeKeys?.length)
    throw invalid('A merge job needs its key columns (--merge-keys id).');
  if (mode !== 'merge' && spec.deleteWhen !== undefined)
    throw invalid('A delete condition (--delete-when) applies to merge jobs only.');
  parsePartitionBy(spec.partitionBy ?? []);
  const inputs = (spec.inputs ?? []).map((input) => {
    const { database, table } = parseTableName(input);
    return `${database}.${table}`;
  });
  if (spec.module !== undefined && inputs.length === 0 && spec.bookmarks)
    throw invalid('A TypeScript job with bookmarks needs its input tables (--input DB.TABLE).');
  const action = spec.quality?.action ?? 'fail';
  if (spec.quality && !QUALITY_ACTIONS.includes(action))
    throw invalid(`Unknown quality action "${action}": use ${QUALITY_ACTIONS.join(', ')}.`);
  return {
    name: jobName,
    kind: spec.sql !== undefined ? 'sql' : 'typescript',
    target: `${target.database}.${target.table}`,
    sql: spec.sql ?? null,
    artifact: null,
    inputs,
    write: {
      mode,
      partitionBy: spec.partitionBy ?? [],
      sortBy: spec.sortBy ?? [],
      mergeKeys: spec.mergeKeys ?? [],
      deleteWhen: spec.deleteWhen,
      targetFileSize: spec.targetFileSize,
      allowAddColumns: spec.allowAddColumns ?? false,
    },
    bookmarks: spec.bookmarks ?? false,
    parameters: checkParameters(spec.parameters ?? {}),
    timeoutMs: positive('timeoutMs', spec.timeoutMs, 1) ?? null,
    maxConcurrentRuns: positive('maxConcurrentRuns', spec.maxConcurrentRuns, 1) ?? 1,
    maxRetries: positive('maxRetries', spec.maxRetries, 0) ?? 0,
    schedule: checkSchedule(spec.schedule),
    quality: spec.quality ? { ruleset: spec.quality.ruleset, action } : null,
    database: spec.database ? validateIdentifier(spec.database, 'database name') : null,
    description: spec.description ?? null,
  };
}

function positive(name: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min)
    throw invalid(`${name} is ${value}; it must be a whole number of at least ${min}.`);
  return value;
}

function invalid(message: string): LakeError {
  return new LakeError('INVALID_ARGUMENT', message);
}
