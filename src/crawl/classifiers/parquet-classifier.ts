import type { ProbedColumn } from '../../engine/file-schema-probe.js';
import { probeErrorReason } from '../../engine/file-schema-probe.js';
import type { Classification, Classifier, CandidateFile, ClassifyContext } from './classifier.js';

const MAGIC = Buffer.from('PAR1');
// Local paths fetched at once: hides S3 latency, bounds open requests and disk churn.
const LOCAL_PATH_CONCURRENCY = 32;

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
    const results: Classification[] = [];
    const readable: CandidateFile[] = [];
    const paths: string[] = [];
    // On S3 a local path is a download: a bounded number at once, and a cancelled crawl
    // stops between batches instead of fetching every file first.
    for (let i = 0; i < files.length; i += LOCAL_PATH_CONCURRENCY) {
      context.signal.throwIfAborted();
      const batch = files.slice(i, i + LOCAL_PATH_CONCURRENCY);
      const located = await Promise.allSettled(batch.map((f) => context.localPath(f.key)));
      located.forEach((outcome, j) => {
        const file = batch[j]!;
        if (outcome.status === 'fulfilled') {
          readable.push(file);
          paths.push(outcome.value);
        } else {
          // Gone or unreadable since it was listed: named, and the crawl goes on.
          const reason = probeErrorReason(outcome.reason);
          results.push({ key: file.key, reason: `could not be read: ${reason}` });
        }
      });
    }
    const footers = await context.probe.parquetFooters(paths, context.signal);
    const described = new Map<string, Promise<ProbedColumn[]>>();
    for (let i = 0; i < readable.length; i++) {
      context.signal.throwIfAborted();
      const file = readable[i]!;
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
