import type { TableFormat } from '../../catalog/catalog-types.js';
import type { FileSchemaProbe, ProbedColumn } from '../../engine/file-schema-probe.js';
import type { CsvClassifier, SkippedFile } from '../crawler-types.js';
import type { FileHead } from './file-head.js';

/** A file to classify: where it is, its head, and the folder shape it shares with look-alikes. */
export interface CandidateFile {
  key: string;
  size: number;
  etag: string;
  head: FileHead;
  /** Files with equal shapes (same table folder, same partition names) are probed as a group. */
  shape: string;
}

/** A file with its schema, ready to be grouped into a table. */
export interface ClassifiedFile {
  key: string;
  size: number;
  etag: string;
  format: TableFormat;
  columns: ProbedColumn[];
  /** Exact for Parquet (from the footer); null for text formats (unknown without a full read). */
  rowCount: number | null;
  /** Table properties the reader needs (CSV dialect, JSON format); files in one table share them. */
  properties: Record<string, string>;
  /** Non-UTF-8 text that is read in another encoding. */
  encoding?: string;
}

export type Classification = ClassifiedFile | SkippedFile;

export interface ClassifyContext {
  probe: FileSchemaProbe;
  /** A local path DuckDB can open for the object. */
  localPath(key: string): Promise<string>;
  sampleRows: number;
  sampleFiles: number;
  classifiers: CsvClassifier[];
  signal: AbortSignal;
}

/**
 * One file format's classifier. All classifiers have this shape: `claims` decides from the
 * name and the first bytes alone; `classify` probes a whole batch of claimed files, so that
 * a classifier can read look-alike files in one go instead of one by one.
 */
export interface Classifier {
  readonly format: TableFormat;
  claims(file: CandidateFile): boolean;
  classify(files: CandidateFile[], context: ClassifyContext): Promise<Classification[]>;
}

export function isSkipped(result: Classification): result is SkippedFile {
  return 'reason' in result;
}
