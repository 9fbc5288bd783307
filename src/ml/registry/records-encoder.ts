import { LakeError } from '../../errors/lake-error.js';
import type { Feature, FeatureFrame, FeatureSchema } from '../algorithms/algorithm.js';
import { columnFamily } from '../features/column-family.js';

/** What a record field must hold for a model: what a caller is told to send. */
export type InputType = 'number' | 'string' | 'timestamp';

export interface InputField {
  readonly name: string;
  readonly type: InputType;
}

/** The record fields a feature schema reads, once each (a timestamp gives several features). */
export function inputFields(features: readonly FeatureSchema[]): InputField[] {
  const fields = new Map<string, InputType>();
  for (const f of features)
    fields.set(f.source, f.part ? 'timestamp' : f.kind === 'categorical' ? 'string' : 'number');
  return [...fields].map(([name, type]) => ({ name, type }));
}

/**
 * Records as the frame a model reads, in JavaScript: the same encodings as the DuckDB
 * expressions of feature-plan.ts (category codes with unseen levels as -1, non-finite
 * numbers as missing, UTC time parts), without a query per call, so that a served request
 * costs microseconds. A test holds its frames equal to recordsFrame's.
 *
 * @throws LakeError INVALID_ARGUMENT naming the missing features, or the field, record and
 *   type expected for a value of the wrong type.
 */
export function encodeRecords(
  model: string,
  features: readonly FeatureSchema[],
  records: ReadonlyArray<Record<string, unknown>>,
): FeatureFrame {
  if (records.length === 0)
    throw new LakeError('INVALID_ARGUMENT', 'No records to score: send at least one record.');
  const fields = inputFields(features);
  records.forEach((record, index) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record))
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Record ${index} is not an object of feature values (got ${describe(record)}).`,
        { details: { record: index } },
      );
    const missing = fields.filter((f) => !(f.name in record)).map((f) => f.name);
    if (missing.length > 0)
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Record ${index} lacks ${missing.length === 1 ? 'the feature' : 'features'} ${missing.join(', ')} of model ${model}; give ${missing.length === 1 ? 'it' : 'them'} (null where unknown).`,
        { details: { missing, record: index } },
      );
  });
  const encoded: Feature[] = features.map((f) => {
    if (f.kind === 'categorical') {
      const codes = new Map((f.levels ?? []).map((level, i) => [level, i]));
      const decimal = /^(FLOAT|DOUBLE|DECIMAL)/.test(f.sourceType);
      const values = Int32Array.from(records, (record, index) => {
        const value = record[f.source];
        if (value === null || value === undefined) return -1;
        if (!['string', 'number', 'boolean'].includes(typeof value))
          throw wrongType(f.source, index, 'a string', value);
        // DuckDB writes a whole DOUBLE as "3.0": the level the training saw.
        const text =
          decimal && typeof value === 'number' && Number.isInteger(value)
            ? value.toFixed(1)
            : String(value);
        return codes.get(text) ?? -1;
      });
      return { name: f.name, kind: 'categorical', values, levels: f.levels ?? [] };
    }
    const part = f.part;
    const values = Float64Array.from(records, (record, index) => {
      const value = record[f.source];
      if (value === null || value === undefined) return NaN;
      if (part) return timePart(f.source, index, value, part);
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value !== 'number')
        throw wrongType(
          f.source,
          index,
          columnFamily(f.sourceType) === 'boolean' ? 'a boolean' : 'a number',
          value,
        );
      return Number.isFinite(value) ? value : NaN;
    });
    return { name: f.name, kind: 'numeric', values };
  });
  return { rows: records.length, features: encoded };
}

function timePart(field: string, index: number, value: unknown, part: string): number {
  const time =
    typeof value === 'string' || typeof value === 'number' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(time.getTime()))
    throw wrongType(field, index, 'a date or timestamp (ISO 8601)', value);
  switch (part) {
    case 'year':
      return time.getUTCFullYear();
    case 'month':
      return time.getUTCMonth() + 1;
    case 'day':
      return time.getUTCDate();
    case 'weekday':
      return time.getUTCDay();
    case 'hour':
      return time.getUTCHours();
    default:
      throw new LakeError('INTERNAL', `Unknown time part ${part} of feature ${field}.`);
  }
}

function wrongType(field: string, index: number, expected: string, value: unknown): LakeError {
  return new LakeError(
    'INVALID_ARGUMENT',
    `Field ${field} of record ${index} must be ${expected} (got ${describe(value)}).`,
    { details: { field, record: index, expected } },
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value;
}
