import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';
import { probeCsvFile, type CsvProbeHints } from './csv-file-probe.js';
import { jsonColumnsStruct, withOffsetTimestamps } from './json-timestamps.js';
import {
  csvDialectSql,
  csvReadSql,
  csvRowProblem,
  type CsvDialect,
  type CsvLayout,
} from './csv-read-policy.js';

/** A column as a probe found it: a DuckDB type name and whether a null was seen. */
export interface ProbedColumn {
  name: string;
  type: string;
  nullable: boolean;
  /** No row had a value: the type is the sniffer's fallback and says nothing (see mergeColumns). */
  valueless?: boolean;
}

/** What a Parquet footer says about one file, or why it could not be read. */
export type ParquetFooter =
  | { path: string; ok: true; rowCount: number; fingerprint: string }
  | { path: string; ok: false; reason: string };

export type { CsvDialect } from './csv-read-policy.js';
export type { CsvProbeHints as CsvHints } from './csv-file-probe.js';

export interface JsonProbe {
  format: 'newline_delimited' | 'array';
  columns: ProbedColumn[];
}

// One footer read per file; a batch keeps the SQL text and DuckDB's work list bounded.
const PARQUET_BATCH = 1000;
/**
 * Schema inference over files with DuckDB, behind an interface that does not mention
 * DuckDB. It runs in its own short-lived in-memory instance so that its settings (the
 * Parquet footer cache) and its memory never touch the lake's query engine.
 *
 * @example
 * const probe = await FileSchemaProbe.open();
 * const footers = await probe.parquetFooters(['/lake/raw/a.parquet']);
 * await probe.close();
 */
export class FileSchemaProbe {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(options: { threads?: number } = {}): Promise<FileSchemaProbe> {
    const config: Record<string, string> = {};
    if (options.threads) config['threads'] = String(options.threads);
    const { DuckDBInstance } = await import('./duckdb-runtime.js');
    const instance = await DuckDBInstance.create(':memory:', config);
    const connection = await instance.connect();
    // Footers are read twice (row counts, then schemas); the cache makes the second free.
    // Set after start-up: the Parquet extension loads on first use, not from the config.
    await connection.run('SET parquet_metadata_cache = true');
    return new FileSchemaProbe(instance, connection);
  }

  /**
   * Row count and a schema fingerprint (equal fingerprints mean equal schemas) of each file,
   * from its footer only. A batch that fails (a corrupt file) is read again file by file,
   * so that one bad file is named and the rest still read. An aborted `signal` stops it
   * between batches (with the signal's reason).
   */
  async parquetFooters(paths: string[], signal?: AbortSignal): Promise<ParquetFooter[]> {
    const results: ParquetFooter[] = [];
    for (let i = 0; i < paths.length; i += PARQUET_BATCH) {
      signal?.throwIfAborted();
      const batch = paths.slice(i, i + PARQUET_BATCH);
      try {
        results.push(...(await this.footerBatch(batch)));
      } catch {
        for (const path of batch) {
          try {
            results.push(...(await this.footerBatch([path])));
          } catch (error) {
            results.push({ path, ok: false, reason: reasonOf(error) });
          }
        }
      }
    }
    return results;
  }

  /** The DuckDB schema of one Parquet file (read from its footer, cached). */
  async parquetColumns(path: string): Promise<ProbedColumn[]> {
    return this.describe(`SELECT * FROM read_parquet(${quoteLiteral(path)})`);
  }

  /**
   * Dialect and column types of a CSV file under the lake's CSV policy (see probeCsvFile):
   * types from a bounded sample, checked against the whole file.
   */
  async sniffCsv(
    path: string,
    hints: CsvProbeHints,
  ): Promise<{ dialect: CsvDialect; columns: ProbedColumn[] }> {
    return probeCsvFile(this.connection, path, hints);
  }

  /**
   * Whether every file reads whole under one layout (strict: no ragged row, every value fits
   * its type), in one scan that DuckDB spreads over its threads. False does not say which
   * file failed: the caller probes them one by one to find out.
   */
  async csvFilesFit(paths: string[], layout: CsvLayout): Promise<boolean> {
    try {
      // count(COLUMNS(*)) converts every value, not only counts rows.
      await this.connection.runAndReadAll(
        `SELECT count(COLUMNS(*)) FROM ${csvReadSql(paths, layout)}`,
      );
      return true;
    } catch (error) {
      if (csvRowProblem(error)) return false;
      throw error;
    }
  }

  /**
   * Reads the file with a pinned dialect and types (a custom classifier) and returns the
   * column nullability from the sample; throws with DuckDB's reason when the file does not fit.
   */
  async checkCsv(
    path: string,
    dialect: CsvDialect,
    columns: Array<{ name: string; type: string }>,
    sampleRows: number,
  ): Promise<ProbedColumn[]> {
    const source = `read_csv(${quoteLiteral(path)}, ${csvOptionsSql(dialect)}, columns = ${columnsStruct(columns)})`;
    const nulls = columns.map((c) => `count(*) - count(${quoteIdentifier(c.name)})`);
    const reader = await this.connection.runAndReadAll(
      `SELECT ${nulls.join(', ')} FROM (SELECT * FROM ${source} LIMIT ${sampleRows})`,
    );
    const row = reader.getRowsJS()[0] ?? [];
    return columns.map((c, i) => ({ ...c, nullable: Number(row[i] ?? 0) > 0 }));
  }

  /**
   * Columns of a JSON or NDJSON file (objects become structs, arrays lists) from a sample,
   * checked against the whole file: a syntax error or a value that fits no type past the
   * sample makes the types come from every record, and if even those do not read, it throws
   * with DuckDB's reason.
   */
  async jsonSchema(path: string, sampleRecords: number): Promise<JsonProbe> {
    // DuckDB reads past a LIMIT by whole chunks, so the sample's own read may already fail.
    const sampled = await this.#jsonSchemaFrom(path, sampleRecords).catch(() => undefined);
    if (sampled && (await this.jsonFilesFit([path], sampled)) === true) return sampled;
    const all = await this.#jsonSchemaFrom(path, 'all');
    const fit = await this.jsonFilesFit([path], all);
    if (fit !== true) throw new Error(fit);
    return all;
  }

  /**
   * Whether every file reads whole with these columns, in one scan: `true`, or DuckDB's
   * reason, which does not say which file failed (the caller probes them one by one).
   */
  async jsonFilesFit(paths: string[], probe: JsonProbe): Promise<true | string> {
    const list = `[${paths.map(quoteLiteral).join(', ')}]`;
    try {
      await this.connection.runAndReadAll(
        `SELECT count(COLUMNS(*)) FROM read_json(${list}, format = ${quoteLiteral(probe.format)}, columns = ${jsonColumnsStruct(probe.columns)})`,
      );
      return true;
    } catch (error) {
      return reasonOf(error);
    }
  }

  async #jsonSchemaFrom(path: string, sample: number | 'all'): Promise<JsonProbe> {
    let format: JsonProbe['format'] = 'newline_delimited';
    let columns: ProbedColumn[];
    const limit = sample === 'all' ? '' : ` LIMIT ${sample}`;
    const source = (f: string) =>
      `read_json(${quoteLiteral(path)}, format = ${quoteLiteral(f)}, sample_size = ${sample === 'all' ? -1 : sample})`;
    try {
      columns = await this.describe(`SELECT * FROM ${source(format)}${limit}`);
    } catch (ndjsonError) {
      format = 'array';
      try {
        columns = await this.describe(`SELECT * FROM ${source(format)}${limit}`);
      } catch {
        throw ndjsonError;
      }
    }
    const typed = await withOffsetTimestamps(
      this.connection,
      (struct) =>
        `read_json(${quoteLiteral(path)}, format = ${quoteLiteral(format)}, columns = ${struct})`,
      columns,
      sample === 'all' ? undefined : sample,
    );
    columns = columns.map((c, i) => ({ ...c, type: typed[i]!.type }));
    const nulls = columns.map((c) => `count(*) - count(${quoteIdentifier(c.name)})`);
    const reader = await this.connection.runAndReadAll(
      `SELECT ${nulls.join(', ')} FROM (SELECT * FROM ${source(format)}${limit})`,
    );
    const row = reader.getRowsJS()[0] ?? [];
    return {
      format,
      columns: columns.map((c, i) => ({ ...c, nullable: Number(row[i] ?? 0) > 0 })),
    };
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async footerBatch(paths: string[]): Promise<ParquetFooter[]> {
    const list = `[${paths.map(quoteLiteral).join(', ')}]`;
    const reader = await this.connection.runAndReadAll(
      `SELECT m.file_name, m.num_rows, s.fingerprint
       FROM parquet_file_metadata(${list}) m
       JOIN (SELECT file_name,
                    string_agg(concat_ws('|', name, type, converted_type, logical_type,
                                         repetition_type, num_children, scale, precision), ';') AS fingerprint
             FROM parquet_schema(${list}) GROUP BY file_name) s
       USING (file_name)`,
    );
    const byPath = new Map<string, ParquetFooter>();
    for (const [file, rows, fingerprint] of reader.getRowsJS()) {
      byPath.set(String(file), {
        path: String(file),
        ok: true,
        rowCount: Number(rows),
        fingerprint: String(fingerprint),
      });
    }
    return paths.map(
      (path) => byPath.get(path) ?? { path, ok: false, reason: 'no Parquet footer was read' },
    );
  }

  private async describe(select: string): Promise<ProbedColumn[]> {
    const reader = await this.connection.runAndReadAll(`DESCRIBE ${select}`);
    return reader.getRowObjectsJS().map((row) => ({
      name: String(row['column_name']),
      type: String(row['column_type']),
      nullable: true,
    }));
  }
}

/** The `read_csv` options of a dialect, as table properties spell them for the view too. */
export function csvOptionsSql(dialect: CsvDialect): string {
  // Null padding needs the serial reader once a quoted field holds a line break (RFC 4180).
  return `${csvDialectSql(dialect)}, null_padding = true, parallel = false`;
}

function columnsStruct(columns: Array<{ name: string; type: string }>): string {
  return `{${columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}`;
}

/** DuckDB's first line, without the file path prefix noise. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}

export { reasonOf as probeErrorReason };
