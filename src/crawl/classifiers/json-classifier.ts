import type { ProbedColumn } from '../../engine/file-schema-probe.js';
import { probeErrorReason } from '../../engine/file-schema-probe.js';
import { mergeColumns } from '../schema-merge.js';
import type { Classification, Classifier, CandidateFile, ClassifyContext } from './classifier.js';
import { groupBy, sampleSpread } from './sample-files.js';

/**
 * JSON and NDJSON (optionally gzip or zstd): DuckDB's reader infers the columns from a
 * bounded sample of records (objects become structs, arrays lists, mixed types JSON).
 * Look-alike files (same folder shape, same keys in the first record) are probed as a group
 * from a spread-out sample, and their types merged (widened).
 */
export const jsonClassifier: Classifier = {
  format: 'json',

  claims(file: CandidateFile): boolean {
    return /\.(json|ndjson|jsonl)(\.(gz|gzip|zst|zstd))?$/i.test(file.key);
  },

  async classify(files: CandidateFile[], context: ClassifyContext): Promise<Classification[]> {
    const results: Classification[] = [];
    for (const group of groupBy(files, (f) => `${f.shape}\n${firstRecordKeys(f)}`).values()) {
      context.signal.throwIfAborted();
      const { sampled, rest } = sampleSpread(group, context.sampleFiles);
      let merged: { columns: ProbedColumn[]; format: string } | undefined;
      for (const file of sampled) {
        context.signal.throwIfAborted();
        try {
          const probe = await context.probe.jsonSchema(
            await context.localPath(file.key),
            context.sampleRows,
          );
          results.push(classified(file, probe.columns, probe.format));
          merged = merged
            ? { ...merged, columns: mergeColumns(merged.columns, probe.columns).columns }
            : probe;
        } catch (error) {
          results.push({ key: file.key, reason: `unreadable JSON: ${probeErrorReason(error)}` });
        }
      }
      for (const file of rest) {
        if (merged) results.push(classified(file, merged.columns, merged.format));
        else results.push({ key: file.key, reason: 'no file that looks like it could be read' });
      }
    }
    return results;
  },
};

function classified(file: CandidateFile, columns: ProbedColumn[], format: string): Classification {
  return {
    key: file.key,
    size: file.size,
    etag: file.etag,
    format: 'json',
    columns,
    rowCount: null,
    properties: { classification: 'json', json_format: format },
  };
}

/** The sorted keys of the first record, when the head holds a whole first line of JSON. */
function firstRecordKeys(file: CandidateFile): string {
  const text = file.head.text;
  if (!text) return `\0${file.key}`;
  const end = text.indexOf(0x0a);
  try {
    const first = JSON.parse(
      text.subarray(0, end < 0 ? text.length : end).toString('utf8'),
    ) as unknown;
    if (first && typeof first === 'object' && !Array.isArray(first))
      return Object.keys(first).sort().join(',');
  } catch {
    // Not one record per line (a JSON array, pretty-printed, or broken): probe on its own.
  }
  return `\0${file.key}`;
}
