import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier } from '../catalog/identifier.js';
import {
  csvReadSql,
  sniffCsvLayout,
  type CsvHints,
  type CsvRejectsTables,
} from './csv-read-policy.js';

/** A row that a read set aside instead of loading, with where it was and why. */
export interface RejectedRow {
  file: string;
  line: number;
  reason: string;
  csvLine: string;
}

/** The SELECT of a file read, and the rows it set aside once it has run (when asked to). */
export interface FilesRead {
  select: string;
  rejected?: (connection: DuckDBConnection) => Promise<RejectedRow[]>;
}

/**
 * CSV files read under the lake's CSV policy: each file's own layout, sniffed from a
 * sample (`sampleRows`) or from all its rows, read strictly, and the files put together by
 * column name. With `rejects`, rows that do not fit are collected by DuckDB instead of
 * failing the read.
 */
export async function csvFilesRead(
  connection: DuckDBConnection,
  paths: string[],
  options: { rejects: boolean; sampleRows: CsvHints['sampleRows'] },
): Promise<FilesRead> {
  const tables: CsvRejectsTables[] = [];
  const reads: string[] = [];
  for (const path of paths) {
    const layout = await sniffCsvLayout(connection, path, { sampleRows: options.sampleRows });
    const rejects = options.rejects ? rejectsTables() : undefined;
    if (rejects) tables.push(rejects);
    reads.push(`SELECT * FROM ${csvReadSql([path], layout, rejects)}`);
  }
  const select = reads.join(' UNION ALL BY NAME ');
  if (!options.rejects) return { select };
  return {
    select,
    rejected: async (c) => {
      const rows: RejectedRow[] = [];
      for (const { errors, scans } of tables) {
        const reader = await c.runAndReadAll(
          `SELECT s.file_path, e.line, e.error_message, e.csv_line
           FROM ${quoteIdentifier(errors)} e JOIN ${quoteIdentifier(scans)} s USING (scan_id, file_id)
           ORDER BY s.file_path, e.line`,
        );
        for (const [file, line, reason, csvLine] of reader.getRowsJS()) {
          rows.push({
            file: String(file),
            line: Number(line),
            reason: String(reason),
            csvLine: String(csvLine ?? ''),
          });
        }
        await c.run(`DROP TABLE IF EXISTS ${quoteIdentifier(errors)}`);
        await c.run(`DROP TABLE IF EXISTS ${quoteIdentifier(scans)}`);
      }
      return rows;
    },
  };
}

function rejectsTables(): CsvRejectsTables {
  const id = randomUUID().replace(/-/g, '');
  return { errors: `lb_rejects_${id}`, scans: `lb_rejects_${id}_scan` };
}
