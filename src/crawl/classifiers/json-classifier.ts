import type { JsonProbe, ProbedColumn } from '../../engine/file-schema-probe.js';
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
      results.push(...(await classifyGroup(group, context)));
    }
    return results;
  },
};

// As for CSV: the rest of a group is checked a batch per scan, a failing batch file by file.
const CHECK_BATCH = 200;

/**
 * A spread-out sample is probed one by one and its types merged; the rest are read whole
 * with the merged columns, so that a broken file outside the sample is skipped (or widens
 * a column), never registered for a query to fail on.
 */
async function classifyGroup(
  group: CandidateFile[],
  context: ClassifyContext,
): Promise<Classification[]> {
  const { sampled, rest } = sampleSpread(group, context.sampleFiles);
  const results: Classification[] = [];
  let merged: JsonProbe | undefined;
  const probeEach = async (files: CandidateFile[]) => {
    for (const file of files) {
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
  };
  await probeEach(sampled);
  for (let i = 0; i < rest.length; i += CHECK_BATCH) {
    context.signal.throwIfAborted();
    const batch = rest.slice(i, i + CHECK_BATCH);
    const layout = merged;
    const paths = await Promise.all(batch.map((file) => context.localPath(file.key)));
    if (layout && (await context.probe.jsonFilesFit(paths, layout)) === true)
      for (const file of batch) results.push(classified(file, layout.columns, layout.format));
    else await probeEach(batch);
  }
  return results;
}

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
