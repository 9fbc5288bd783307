import { LakeError } from '../errors/lake-error.js';
import { csvRecords } from './csv-records.js';
import type { ModelInput } from './serving-models.js';

/** An invocation's body as it arrives: parsed JSON, or the text of a CSV body. */
export type InvocationBody = { json: unknown } | { csv: string };

const SHAPES =
  'send one record ({"tenure": 3}), an array of records, or {"columns": {"tenure": [3, 5]}}';

/**
 * The records of an invocation: one record object, an array of them, columns of equal
 * length, or CSV (typed by the model's inputs).
 *
 * @throws LakeError INVALID_ARGUMENT for an empty body or one of another shape.
 */
export function requestRecords(
  body: InvocationBody,
  inputs: readonly ModelInput[],
): Array<Record<string, unknown>> {
  if ('csv' in body) return csvRecords(body.csv, inputs);
  const json = body.json;
  if (json === undefined || json === null || json === '')
    throw new LakeError('INVALID_ARGUMENT', `The request has no body: ${SHAPES}.`);
  if (Array.isArray(json)) {
    if (json.length === 0) throw new LakeError('INVALID_ARGUMENT', `No records: ${SHAPES}.`);
    return json as Array<Record<string, unknown>>;
  }
  if (typeof json !== 'object') throw new LakeError('INVALID_ARGUMENT', `Not records: ${SHAPES}.`);
  const columns = (json as Record<string, unknown>)['columns'];
  if (columns !== undefined && typeof columns === 'object' && columns !== null) {
    const entries = Object.entries(columns as Record<string, unknown>);
    const bad = entries.find(([, values]) => !Array.isArray(values));
    if (bad)
      throw new LakeError('INVALID_ARGUMENT', `columns.${bad[0]} must be an array of values.`, {
        details: { field: bad[0] },
      });
    const lengths = new Set(entries.map(([, values]) => (values as unknown[]).length));
    if (lengths.size > 1)
      throw new LakeError(
        'INVALID_ARGUMENT',
        `The columns have different lengths (${[...lengths].join(', ')}); give each the same number of values.`,
      );
    const rows = entries.length ? (entries[0]![1] as unknown[]).length : 0;
    if (rows === 0) throw new LakeError('INVALID_ARGUMENT', `No records: ${SHAPES}.`);
    return Array.from({ length: rows }, (_, row) =>
      Object.fromEntries(entries.map(([name, values]) => [name, (values as unknown[])[row]])),
    );
  }
  return [json as Record<string, unknown>];
}
