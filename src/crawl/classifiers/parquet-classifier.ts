import type { ProbedColumn } from '../../engine/file-schema-probe.js';
import { probeErrorReason } from '../../engine/file-schema-probe.js';
import type { Classification, Classifier, CandidateFile, ClassifyContext } from './classifier.js';

const MAGIC = Buffer.from('PAR1');

/**
 * Parquet: the schema and row count come from each file's footer, never its data. All
 * footers are read in a few batched calls; the columns are described once per distinct
 * schema (files with equal footers' schemas share one description).
 */
export const parquetClassifier: Classifier = {
  format: 'parquet',

  claims(file: CandidateFile): boolean {
    return /\.parquet$/i.test(file.key) || file.head.raw.subarray(0, 4).equals(MAGIC);
  },

  async classify(files: CandidateFile[], context: ClassifyContext): Promise<Classification[]> {
    const paths = await Promise.all(files.map((f) => context.localPath(f.key)));
    const footers = await context.probe.parquetFooters(paths);
    const described = new Map<string, Promise<ProbedColumn[]>>();
    const results: Classification[] = [];
    for (let i = 0; i < files.length; i++) {
      context.signal.throwIfAborted();
      const file = files[i]!;
      const footer = footers[i]!;
      if (!footer.ok) {
        results.push({ key: file.key, reason: `unreadable Parquet: ${footer.reason}` });
        continue;
      }
      let columns = described.get(footer.fingerprint);
      if (!columns) {
        columns = context.probe.parquetColumns(paths[i]!);
        described.set(footer.fingerprint, columns);
      }
      try {
        results.push({
          key: file.key,
          size: file.size,
          etag: file.etag,
          format: 'parquet',
          columns: await columns,
          rowCount: footer.rowCount,
          properties: {},
        });
      } catch (error) {
        results.push({ key: file.key, reason: `unreadable Parquet: ${probeErrorReason(error)}` });
      }
    }
    return results;
  },
};
