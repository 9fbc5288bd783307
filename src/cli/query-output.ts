import type { QueryStream } from '../engine/query-stream.js';
import { jsonReplacer } from '../engine/json-replacer.js';
import { csvLine, type Output } from './output.js';

export const QUERY_FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/**
 * The most rows the table format shows. A table is for people, and it must measure every
 * row it shows before it prints the first (cli-table3 takes seconds for 10,000 rows and
 * overflows the stack near 130,000); the other formats stream every row.
 */
export const TABLE_ROW_CAP = 1000;

/** One writer per format, so that a new format breaks the build until it is written. */
const WRITERS: Record<QueryFormat, (out: Output, result: QueryStream) => Promise<void>> = {
  table: writeTable,
  csv: writeCsv,
  json: writeJson,
  ndjson: writeNdjson,
};

/**
 * Writes a streamed query result to stdout in `format`, one DuckDB chunk at a time, waiting
 * for stdout to drain between chunks; stops reading once stdout's reader has gone.
 */
export function writeQueryResult(
  out: Output,
  result: QueryStream,
  format: QueryFormat,
): Promise<void> {
  return WRITERS[format](out, result);
}

async function writeCsv(out: Output, result: QueryStream): Promise<void> {
  await out.write(csvLine(result.columns.map((c) => c.name)));
  for await (const rows of result.jsonTuples()) {
    if (out.closed) return;
    await out.write(rows.map(csvLine).join(''));
  }
}

/** One JSON array on one line, as `--format json` printed before results streamed. */
async function writeJson(out: Output, result: QueryStream): Promise<void> {
  let first = true;
  for await (const rows of result.jsonRows()) {
    if (out.closed) return;
    const items = rows.map((row) => JSON.stringify(row, jsonReplacer)).join(',');
    await out.write(`${first ? '[' : ','}${items}`);
    first = false;
  }
  await out.write(first ? '[]\n' : ']\n');
}

async function writeNdjson(out: Output, result: QueryStream): Promise<void> {
  for await (const rows of result.jsonRows()) {
    if (out.closed) return;
    await out.write(rows.map((row) => `${JSON.stringify(row, jsonReplacer)}\n`).join(''));
  }
}

/** The first TABLE_ROW_CAP rows; reading stops past them, so the rest is never computed. */
async function writeTable(out: Output, result: QueryStream): Promise<void> {
  const shown: Array<Record<string, unknown>> = [];
  let read = 0;
  for await (const rows of result.jsonRows()) {
    shown.push(...rows.slice(0, TABLE_ROW_CAP - shown.length));
    read += rows.length;
    if (read > TABLE_ROW_CAP) break;
  }
  out.table(
    shown,
    result.columns.map((c) => c.name),
  );
  out.line(
    read > TABLE_ROW_CAP
      ? `The first ${TABLE_ROW_CAP.toLocaleString('en-US')} rows are shown; the result has more. ` +
          'Add LIMIT and OFFSET to the query, or use --format csv, json or ndjson for all of them.'
      : `${read} row${read === 1 ? '' : 's'}`,
  );
}
