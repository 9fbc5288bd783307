import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';
import {
  csvReadSql,
  csvRowProblem,
  sniffCsvLayout,
  type CsvDialect,
  type CsvLayout,
} from './csv-read-policy.js';
import type { ProbedColumn } from './file-schema-probe.js';

/** What the crawler asks of one CSV file: a bounded sample, and hints a classifier pins. */
export interface CsvProbeHints {
  delimiter?: string;
  header?: boolean;
  encoding?: string;
  sampleRows: number;
}

const PLAIN_DECIMAL = '^-?[0-9]{1,18}\\.[0-9]{1,18}$';

/**
 * A CSV file's dialect and columns under the lake's CSV policy (the one `load` uses), for
 * the crawler. Types come from a bounded sample, then one strict read of the whole file
 * checks them: a ragged row anywhere fails the probe with its line; a value past the sample
 * that does not fit its type makes the types come from all rows instead (widened). The
 * crawler probes only new and changed files, so an unchanged file is never read again.
 * @throws Error whose message says what is wrong (ragged, with the line), for the skip reason.
 */
export async function probeCsvFile(
  connection: DuckDBConnection,
  path: string,
  hints: CsvProbeHints,
): Promise<{ dialect: CsvDialect; columns: ProbedColumn[] }> {
  let layout = await sniffCsvLayout(connection, path, hints);
  let columns = await refineCsvColumns(connection, path, layout);
  let problem = await wholeFileProblem(connection, path, { ...layout, columns });
  if (problem?.conversion) {
    layout = await sniffCsvLayout(connection, path, { ...hints, sampleRows: 'all' });
    columns = await refineCsvColumns(connection, path, layout);
    problem = await wholeFileProblem(connection, path, { ...layout, columns });
  }
  if (problem)
    throw new Error(`a value that fits no type: line ${problem.line}: ${problem.problem}`);
  return { dialect: layout.dialect, columns };
}

/** The first row a strict read of the whole file cannot take, or undefined when all fit. */
async function wholeFileProblem(
  connection: DuckDBConnection,
  path: string,
  layout: CsvLayout,
): Promise<ReturnType<typeof csvRowProblem>> {
  try {
    // count(COLUMNS(*)) reads every column, so every value is converted, not only counted.
    await connection.runAndReadAll(`SELECT count(COLUMNS(*)) FROM ${csvReadSql([path], layout)}`);
    return undefined;
  } catch (error) {
    const problem = csvRowProblem(error);
    if (!problem) throw error;
    return problem;
  }
}

/**
 * One strict read of the whole file as text: a ragged row fails it with its line. From the
 * text: nullability, DOUBLE columns whose values are all plain decimals → DECIMAL with the
 * largest scale of the file (DuckDB rounds a longer fraction into a DECIMAL silently, so a
 * sample's scale would lose digits), and columns with no value at all marked valueless
 * (their VARCHAR says nothing, so that a header-only file does not make its table text).
 */
async function refineCsvColumns(
  connection: DuckDBConnection,
  path: string,
  layout: CsvLayout,
): Promise<ProbedColumn[]> {
  const sniffed = layout.columns;
  const text = sniffed.map((c) => ({ name: c.name, type: 'VARCHAR' }));
  const source = csvReadSql([path], { ...layout, columns: text });
  const parts: string[] = ['count(*)'];
  for (const c of sniffed) {
    const col = quoteIdentifier(c.name);
    parts.push(`count(*) - count(nullif(${col}, ''))`);
    if (c.type === 'DOUBLE') {
      parts.push(
        `bool_and(regexp_full_match(trim(${col}), ${quoteLiteral(PLAIN_DECIMAL)})) FILTER (WHERE nullif(${col}, '') IS NOT NULL)`,
        `max(length(split_part(trim(ltrim(${col}, '-')), '.', 1)))`,
        `max(length(split_part(trim(${col}), '.', 2)))`,
      );
    }
  }
  let reader;
  try {
    reader = await connection.runAndReadAll(`SELECT ${parts.join(', ')} FROM ${source}`);
  } catch (error) {
    const problem = csvRowProblem(error);
    if (!problem) throw error;
    throw new Error(`ragged CSV rows: line ${problem.line}: ${problem.problem}`, { cause: error });
  }
  const row = reader.getRowsJS()[0] ?? [];
  const rows = Number(row[0] ?? 0);
  let i = 1;
  return sniffed.map((c) => {
    const nulls = Number(row[i++] ?? 0);
    const nullable = nulls > 0;
    const valueless = nulls === rows ? { valueless: true } : {};
    if (c.type !== 'DOUBLE') return { ...c, nullable, ...valueless };
    const plain = row[i++] === true;
    const integerDigits = Number(row[i++] ?? 0);
    const scale = Number(row[i++] ?? 0);
    if (!plain || scale === 0) return { ...c, nullable, ...valueless };
    const precision = Math.min(38, Math.max(18, integerDigits + scale));
    return { ...c, type: `DECIMAL(${precision},${scale})`, nullable };
  });
}
