import { LakeError } from '../errors/lake-error.js';
import type { ModelInput } from './serving-models.js';

/**
 * A CSV body (RFC 4180: a header line, quoted fields with "" for a quote) as records, each
 * value typed by the model's inputs: numbers parsed, empty cells null. Small bodies of a
 * request, read whole; bulk scoring belongs to batch transform, not to this.
 *
 * @throws LakeError INVALID_ARGUMENT with the line (and column) of what is malformed.
 */
export function csvRecords(
  body: string,
  inputs: readonly ModelInput[],
): Array<Record<string, unknown>> {
  const rows = parseCsv(body);
  if (rows.length < 2)
    throw new LakeError(
      'INVALID_ARGUMENT',
      'The CSV body needs a header line and at least one record line.',
    );
  const [header, ...lines] = rows as [string[], ...string[][]];
  const types = new Map(inputs.map((i) => [i.name, i.type]));
  return lines.map((cells, index) => {
    const line = index + 2;
    if (cells.length !== header.length)
      throw new LakeError(
        'INVALID_ARGUMENT',
        `CSV line ${line} has ${cells.length} field(s); the header has ${header.length}.`,
        { details: { line } },
      );
    const record: Record<string, unknown> = {};
    header.forEach((column, i) => {
      const cell = cells[i]!;
      if (cell === '') record[column] = null;
      else if (types.get(column) === 'number') {
        const value = Number(cell);
        if (Number.isNaN(value))
          throw new LakeError(
            'INVALID_ARGUMENT',
            `CSV line ${line}, field ${column}: expected a number (got ${JSON.stringify(cell.slice(0, 40))}).`,
            { details: { line, field: column, expected: 'a number' } },
          );
        record[column] = value;
      } else record[column] = cell;
    });
    return record;
  });
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let quoteLine = 1;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') {
      if (field !== '')
        throw new LakeError(
          'INVALID_ARGUMENT',
          `CSV line ${line}: a quote inside an unquoted field; quote the whole field.`,
          { details: { line } },
        );
      quoted = true;
      quoteLine = line;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
    } else field += c;
  }
  if (quoted)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `CSV line ${quoteLine}: a quoted field opened here is not closed.`,
      {
        details: { line: quoteLine },
      },
    );
  endRow();
  return rows;
}
