import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { quoteLiteral } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import { csvFilesRead, type FilesRead } from './csv-files-read.js';
import { CSV_SAMPLE_ROWS, type CsvHints } from './csv-read-policy.js';
import { describeSelect } from './column-plan.js';
import { jsonColumnsStruct, withOffsetTimestamps } from './json-timestamps.js';
import { jsonReplacer } from './json-replacer.js';

export type FileFormat = 'csv' | 'json' | 'parquet';

/** What a table write reads: a query over the lake, local files, or records in memory. */
export type WriteSource =
  | { sql: string; database?: string }
  | { files: string[]; format?: FileFormat }
  | ReadonlyArray<Record<string, unknown>>;

const EXTENSIONS: Array<[RegExp, FileFormat]> = [
  [/\.(csv|tsv|txt)(\.(gz|gzip|zst))?$/i, 'csv'],
  [/\.(json|ndjson|jsonl)(\.(gz|gzip|zst))?$/i, 'json'],
  [/\.parquet$/i, 'parquet'],
];

/** The file format a path's extension names. @throws LakeError UNSUPPORTED_FORMAT */
export function formatOf(path: string): FileFormat {
  for (const [pattern, format] of EXTENSIONS) if (pattern.test(path)) return format;
  throw new LakeError(
    'UNSUPPORTED_FORMAT',
    `Cannot tell the format of ${path}: name it .csv, .tsv, .json, .ndjson, .jsonl or .parquet (optionally .gz), or pass the format.`,
  );
}

/** How a read of local files treats what it cannot read. */
export interface FilesReadOptions {
  /** Set bad CSV rows aside (see `FilesRead.rejected`) instead of failing the read. */
  rejects?: boolean;
  /** Rows a CSV file's types are inferred from: a bounded sample, or all of them. */
  sampleRows?: CsvHints['sampleRows'];
}

/** The read of local files, checking first that each exists. */
export async function filesRead(
  connection: DuckDBConnection,
  files: string[],
  format: FileFormat | undefined,
  options: FilesReadOptions = {},
): Promise<FilesRead> {
  if (files.length === 0)
    throw new LakeError('INVALID_ARGUMENT', 'No files to load: name at least one file.');
  const paths = files.map((file) => resolve(file));
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile())
      throw new LakeError(
        'FILE_NOT_FOUND',
        `File ${path} does not exist or is not a regular file.`,
      );
  }
  const formats = new Set(paths.map((path) => format ?? formatOf(path)));
  if (formats.size > 1) {
    throw new LakeError(
      'UNSUPPORTED_FORMAT',
      `Load files of one format at a time (got ${[...formats].join(', ')}).`,
    );
  }
  const list = `[${paths.map(quoteLiteral).join(', ')}]`;
  switch ([...formats][0]!) {
    case 'csv':
      return csvFilesRead(connection, paths, {
        rejects: options.rejects ?? false,
        sampleRows: options.sampleRows ?? CSV_SAMPLE_ROWS,
      });
    case 'json':
      return { select: await jsonFilesSelect(connection, list) };
    case 'parquet':
      return { select: `SELECT * FROM read_parquet(${list}, union_by_name = true)` };
  }
}

/**
 * Records are streamed to newline-delimited JSON in the staging folder and read back with
 * DuckDB's JSON reader, which infers their types the way it does for any JSON file.
 */
export async function recordsSelect(
  records: ReadonlyArray<Record<string, unknown>>,
  stagingDir: string,
): Promise<string> {
  if (records.length === 0)
    throw new LakeError('INVALID_ARGUMENT', 'No records to write: pass at least one record.');
  const path = join(stagingDir, `records-${randomUUID()}.ndjson`);
  await pipeline(
    Readable.from(
      (function* () {
        for (const record of records) yield `${JSON.stringify(record, jsonReplacer)}\n`;
      })(),
    ),
    createWriteStream(path),
  );
  return `SELECT * FROM read_json(${quoteLiteral(path)}, format = 'newline_delimited', sample_size = -1)`;
}

/**
 * JSON files by name, with ISO-8601 offset timestamps typed TIMESTAMPTZ in every style
 * (see withOffsetTimestamps), checked over every record: the load reads them all anyway.
 */
async function jsonFilesSelect(connection: DuckDBConnection, list: string): Promise<string> {
  const auto = `SELECT * FROM read_json(${list}, format = 'auto', union_by_name = true)`;
  const columns = await describeSelect(connection, auto);
  const read = (struct: string) => `read_json(${list}, format = 'auto', columns = ${struct})`;
  const typed = await withOffsetTimestamps(connection, read, columns);
  if (typed.every((c, i) => c.type === columns[i]!.type)) return auto;
  return `SELECT * FROM ${read(jsonColumnsStruct(typed))}`;
}
