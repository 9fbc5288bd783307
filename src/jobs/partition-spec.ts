import { quoteIdentifier } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';

export type PartitionTransform = 'year' | 'month' | 'day' | 'hour';

/** One entry of a job's `partitionBy`: a plain column, or a column derived by a transform. */
export interface PartitionField {
  /** The partition column in the target table. */
  column: string;
  /** For a transform: the output column it reads and the SQL that derives the value. */
  derived?: { source: string; transform: PartitionTransform; expression: string };
}

/**
 * Iceberg-style transforms as derived columns: the engine partitions by stored columns, so
 * `day(ts)` adds a column `ts_day` (a DATE) to the output and partitions by it. The values
 * are plain columns any engine can filter on; queries prune on them, not on `ts`.
 */
const TRANSFORMS: Record<PartitionTransform, (column: string) => string> = {
  year: (c) => `CAST(year(${c}) AS INTEGER)`,
  month: (c) => `strftime(${c}, '%Y-%m')`,
  day: (c) => `CAST(${c} AS DATE)`,
  hour: (c) => `strftime(${c}, '%Y-%m-%d-%H')`,
};

const TRANSFORM_CALL = /^\s*([a-z]+)\s*\(\s*([^()]+?)\s*\)\s*$/i;

/** Parses `partitionBy` entries. @throws LakeError INVALID_ARGUMENT for an unknown transform. */
export function parsePartitionBy(entries: string[]): PartitionField[] {
  return entries.map((entry) => {
    const call = TRANSFORM_CALL.exec(entry);
    if (!call) return { column: entry.trim() };
    const transform = call[1]!.toLowerCase() as PartitionTransform;
    if (!Object.hasOwn(TRANSFORMS, transform)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown partition transform "${call[1]}" in ${entry}: use ${Object.keys(TRANSFORMS).join(', ')} (e.g. day(ts)).`,
      );
    }
    const source = call[2]!.replace(/^"(.*)"$/, '$1');
    return {
      column: `${source}_${transform}`,
      derived: { source, transform, expression: TRANSFORMS[transform](quoteIdentifier(source)) },
    };
  });
}

/** The output SELECT with the derived partition columns added. */
export function withPartitionColumns(
  select: string,
  fields: PartitionField[],
  outputColumns: string[],
): string {
  const derived = fields.filter((f) => f.derived);
  if (derived.length === 0) return select;
  const names = new Set(outputColumns.map((c) => c.toLowerCase()));
  for (const field of derived) {
    if (!names.has(field.derived!.source.toLowerCase())) {
      throw new LakeError(
        'SCHEMA_MISMATCH',
        `Partition transform ${field.derived!.transform}(${field.derived!.source}) reads column "${field.derived!.source}", which the job's output lacks (columns: ${outputColumns.join(', ')}).`,
      );
    }
    if (names.has(field.column.toLowerCase())) {
      throw new LakeError(
        'SCHEMA_MISMATCH',
        `The job's output already has a column "${field.column}", which partition transform ${field.derived!.transform}(${field.derived!.source}) derives; rename it.`,
      );
    }
  }
  const extra = derived.map((f) => `${f.derived!.expression} AS ${quoteIdentifier(f.column)}`);
  return `SELECT *, ${extra.join(', ')} FROM (${select})`;
}
