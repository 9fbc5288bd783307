import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';

/**
 * How the lake reads CSV files, in one place for every reader: `load`, the crawler's probe
 * and the views jobs and queries read external CSV tables through.
 *
 * 1. Sniff the dialect and types from a bounded sample, with null padding on: DuckDB's
 *    sniffer without it looks for a delimiter that gives every sampled row the same number
 *    of fields, and on a ragged file settles for a wrong one (one VARCHAR column named
 *    `id,name,amount`) or skips the leading rows (the header and the rows before the first
 *    long one). Padded, it keeps the right delimiter and header.
 * 2. The file has as many columns as its first record (the header) has fields.
 * 3. Read with that dialect pinned and strict mode on, without padding: a row with more or
 *    fewer fields, or a value that does not fit its column's type, is an error naming its
 *    line, never a row silently lost or shifted; or, when asked, it goes to a rejects table.
 */

/** A CSV file's dialect, as the sniffer found it or a custom classifier pins it. */
export interface CsvDialect {
  delimiter: string;
  quote: string;
  escape: string;
  header: boolean;
  encoding: string;
  /** A comment character the sniffer found (lines starting with it are not rows). */
  comment?: string;
  dateFormat?: string;
  timestampFormat?: string;
}

export interface CsvHints {
  delimiter?: string;
  header?: boolean;
  encoding?: string;
  /** Rows read for type inference: a bounded sample, or `'all'` for the whole file. */
  sampleRows: number | 'all';
}

export interface CsvColumn {
  name: string;
  type: string;
}

/** A dialect with the columns of one file. */
export interface CsvLayout {
  dialect: CsvDialect;
  columns: CsvColumn[];
}

/** Where DuckDB puts the rows it rejects, for a read that sets bad rows aside. */
export interface CsvRejectsTables {
  errors: string;
  scans: string;
}

/** Rows DuckDB samples when nothing else is said (its own default). */
export const CSV_SAMPLE_ROWS = 20_480;

// Candidate types for CSV sniffing. DECIMAL is left out on purpose: DuckDB would take
// leading-zero codes (007) as decimals; the probe finds decimals afterwards from the text.
// Whole numbers are BIGINT (as DuckDB's and Glue's defaults): INTEGER would fail on the
// first large id past the sample.
export const CSV_TYPE_CANDIDATES = [
  'BOOLEAN',
  'BIGINT',
  'DOUBLE',
  'DATE',
  'TIMESTAMP',
  'TIMESTAMPTZ',
  'VARCHAR',
];

// Read as the null string, so that every field of the first record, empty or not, is a
// value, and only the padding beyond its last field is NULL.
const NEVER_NULL = '\u0001lakebox-no-null\u0001';

/**
 * The dialect and columns of a CSV file (step 1 and 2 above).
 * @throws LakeError MALFORMED_FILE when DuckDB cannot find a dialect, or would skip lines.
 */
export async function sniffCsvLayout(
  connection: DuckDBConnection,
  path: string,
  hints: CsvHints,
): Promise<CsvLayout> {
  const sample = hints.sampleRows === 'all' ? -1 : Math.max(1, Math.floor(hints.sampleRows));
  const options = [
    `sample_size = ${sample}`,
    `auto_type_candidates = [${CSV_TYPE_CANDIDATES.map(quoteLiteral).join(', ')}]`,
    'null_padding = true',
  ];
  if (hints.delimiter) options.push(`delim = ${quoteLiteral(hints.delimiter)}`);
  if (hints.header !== undefined) options.push(`header = ${hints.header}`);
  if (hints.encoding) options.push(`encoding = ${quoteLiteral(hints.encoding)}`);
  let row: SniffRow;
  try {
    const reader = await connection.runAndReadAll(
      `SELECT Delimiter, Quote, Escape, Comment, SkipRows, HasHeader, DateFormat, TimestampFormat, Columns
       FROM sniff_csv(${quoteLiteral(path)}, ${options.join(', ')})`,
    );
    row = reader.getRowObjectsJson()[0] as unknown as SniffRow;
  } catch (error) {
    throw malformed(path, `no CSV dialect fits it: ${firstLine(error)}`, { cause: error });
  }
  if (Number(row.SkipRows) > 0) {
    throw malformed(
      path,
      `its first ${row.SkipRows} line(s) do not look like rows of the table (a title or notes above the header?); remove them`,
    );
  }
  const dialect: CsvDialect = {
    delimiter: row.Delimiter,
    quote: emptyAsNone(row.Quote),
    escape: emptyAsNone(row.Escape),
    header: row.HasHeader,
    encoding: hints.encoding ?? 'utf-8',
    ...(emptyAsNone(row.Comment) ? { comment: row.Comment! } : {}),
    ...(row.DateFormat ? { dateFormat: row.DateFormat } : {}),
    ...(row.TimestampFormat ? { timestampFormat: row.TimestampFormat } : {}),
  };
  const padded = row.Columns.map((c) => ({ name: c.name, type: c.type }));
  const fields = await firstRecordFields(connection, path, dialect, padded.length);
  return { dialect, columns: padded.slice(0, Math.max(1, fields)) };
}

/**
 * `read_csv` of files in a known layout, strict: a ragged row or a value that does not fit
 * fails the read with its line, unless `rejects` names the tables that collect such rows.
 */
export function csvReadSql(paths: string[], layout: CsvLayout, rejects?: CsvRejectsTables): string {
  const list =
    paths.length === 1 ? quoteLiteral(paths[0]!) : `[${paths.map(quoteLiteral).join(', ')}]`;
  const options = [csvDialectSql(layout.dialect), 'strict_mode = true', 'null_padding = false'];
  options.push(`columns = ${csvColumnsStruct(layout.columns)}`);
  if (rejects) {
    options.push(
      'store_rejects = true',
      `rejects_table = ${quoteLiteral(rejects.errors)}`,
      `rejects_scan = ${quoteLiteral(rejects.scans)}`,
    );
  }
  return `read_csv(${list}, ${options.join(', ')})`;
}

/** The `read_csv` options that pin a dialect (no sniffing), strict about quotes. */
export function csvDialectSql(dialect: CsvDialect): string {
  const options = [
    'auto_detect = false',
    `header = ${dialect.header}`,
    `delim = ${quoteLiteral(dialect.delimiter)}`,
    `quote = ${quoteLiteral(dialect.quote)}`,
    `escape = ${quoteLiteral(dialect.escape)}`,
    `encoding = ${quoteLiteral(dialect.encoding)}`,
  ];
  if (dialect.comment) options.push(`comment = ${quoteLiteral(dialect.comment)}`);
  if (dialect.dateFormat) options.push(`dateformat = ${quoteLiteral(dialect.dateFormat)}`);
  if (dialect.timestampFormat)
    options.push(`timestampformat = ${quoteLiteral(dialect.timestampFormat)}`);
  return options.join(', ');
}

export function csvColumnsStruct(columns: CsvColumn[]): string {
  return `{${columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}`;
}

/** A row DuckDB could not read, as its error tells it. */
export interface CsvRowProblem {
  line: number;
  /** What was wrong, e.g. `Expected Number of Columns: 3 Found: 2`. */
  problem: string;
  /** The line as it is in the file (cut short). */
  text: string;
  /** True when the row's fields were fine but a value did not fit its column's type. */
  conversion: boolean;
  file?: string;
}

/** The row problem a DuckDB CSV error reports, or undefined when it is no such error. */
export function csvRowProblem(error: unknown): CsvRowProblem | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const line = /CSV Error on Line: (\d+)/.exec(message);
  if (!line) return undefined;
  const lines = message.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Original Line:'));
  const text = at >= 0 ? lines[at]!.slice('Original Line:'.length).trim() : '';
  const problem = plainProblem(
    (at >= 0 ? lines[at + 1] : undefined)?.trim() ?? 'the row cannot be read',
  );
  const file = /^\s*file = (.*)$/m.exec(message)?.[1]?.trim();
  return {
    line: Number(line[1]),
    problem,
    text: text.length > 200 ? `${text.slice(0, 200)}…` : text,
    conversion: /^Conversion Error/.test(message) || /Could not convert/.test(problem),
    ...(file ? { file } : {}),
  };
}

/** The user-facing error for a row that cannot be read: file, line, what is wrong, what to do. */
export function csvRowError(
  problem: CsvRowProblem,
  fallbackFile: string,
  remedy: string,
  cause?: unknown,
): LakeError {
  const file = problem.file ?? fallbackFile;
  return new LakeError(
    'MALFORMED_FILE',
    `${file} line ${problem.line}: ${problem.problem}${problem.text ? ` (the line reads: ${problem.text})` : ''}. ${remedy}`,
    {
      cause,
      details: { file, line: problem.line, problem: problem.problem },
    },
  );
}

/** DuckDB's wording of a ragged row, said the way a user counts: fields of the header. */
function plainProblem(problem: string): string {
  const ragged = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(problem);
  if (!ragged) return problem;
  return Number(ragged[2]) > Number(ragged[1])
    ? `expected ${ragged[1]} fields (as the header has), found ${ragged[2]} or more`
    : `expected ${ragged[1]} fields (as the header has), found ${ragged[2]}`;
}

function malformed(path: string, what: string, options: { cause?: unknown } = {}): LakeError {
  return new LakeError('MALFORMED_FILE', `${path} cannot be read as CSV: ${what}.`, {
    ...options,
    details: { file: path },
  });
}

/**
 * Fields in the first record (the header, when there is one), with the sniffed dialect.
 * Null padding needs the serial reader: DuckDB's parallel one refuses it on a file with
 * line breaks inside quoted fields (RFC 4180), which is how such files came to be skipped.
 */
async function firstRecordFields(
  connection: DuckDBConnection,
  path: string,
  dialect: CsvDialect,
  atMost: number,
): Promise<number> {
  const columns = Array.from({ length: atMost }, (_, i) => ({ name: `c${i}`, type: 'VARCHAR' }));
  const reader = await connection.runAndReadAll(
    `SELECT ${columns.map((c) => `(${c.name} IS NOT NULL)::INTEGER`).join(' + ')}
     FROM read_csv(${quoteLiteral(path)}, ${csvDialectSql({ ...dialect, header: false })},
                   null_padding = true, parallel = false, strict_mode = false,
                   nullstr = ${quoteLiteral(NEVER_NULL)},
                   columns = ${csvColumnsStruct(columns)})
     LIMIT 1`,
  );
  return Number(reader.getRowsJS()[0]?.[0] ?? atMost);
}

function emptyAsNone(value: string | null): string {
  return value === null || value === '(empty)' ? '' : value;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}

interface SniffRow {
  Delimiter: string;
  Quote: string;
  Escape: string;
  Comment: string | null;
  SkipRows: number | string;
  HasHeader: boolean;
  DateFormat: string | null;
  TimestampFormat: string | null;
  Columns: Array<{ name: string; type: string }>;
}
