import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseTableName } from '../catalog/identifier.js';
import type { FilesRead } from './csv-files-read.js';
import { csvRowError, csvRowProblem } from './csv-read-policy.js';
import { LOAD_REJECTS_TABLE } from './load-rejects-table.js';
import { filesRead, type FileFormat, type FilesReadOptions } from './write-source.js';

/**
 * A write of files under the lake's CSV policy: types from a sample first; when a value
 * further on does not fit its sampled type, the files are read again with types inferred
 * from all their rows (a cost paid only by files that need it). With rejects, types come
 * from all rows from the start, so that only rows that cannot be read are set aside. A row
 * that still cannot be read is a MALFORMED_FILE error naming its file and line.
 */
export async function readFilesWithRetry<T>(
  connection: DuckDBConnection,
  table: string,
  source: { files: string[]; format?: FileFormat },
  staging: string,
  rejects: boolean,
  write: (read: FilesRead, folder: string) => Promise<T>,
): Promise<T> {
  const attempt = async (sampleRows: FilesReadOptions['sampleRows'], folder: string) => {
    const read = await filesRead(connection, source.files, source.format, { rejects, sampleRows });
    await mkdir(folder, { recursive: true });
    return write(read, folder);
  };
  const remedy = `Fix the file, or load it with rejects (lakebox load --rejects) to set such rows aside in ${parseTableName(table).database}.${LOAD_REJECTS_TABLE}.`;
  try {
    try {
      return await attempt(rejects ? 'all' : undefined, join(staging, 'sampled'));
    } catch (error) {
      if (rejects || !csvRowProblem(error)?.conversion) throw error;
      return await attempt('all', join(staging, 'all-rows'));
    }
  } catch (error) {
    const problem = csvRowProblem(error);
    if (!problem) throw error;
    throw csvRowError(problem, source.files.join(', '), remedy, error);
  }
}
