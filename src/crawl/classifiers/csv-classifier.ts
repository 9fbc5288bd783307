import type { CsvDialect, ProbedColumn } from '../../engine/file-schema-probe.js';
import { probeErrorReason } from '../../engine/file-schema-probe.js';
import { isLakeError } from '../../errors/lake-error.js';
import type { CsvClassifier } from '../crawler-types.js';
import { mergeColumns } from '../schema-merge.js';
import type {
  Classification,
  Classifier,
  CandidateFile,
  ClassifiedFile,
  ClassifyContext,
} from './classifier.js';
import { isReadableEncoding } from './file-head.js';
import { groupBy, sampleSpread } from './sample-files.js';

const DELIMITERS = [',', ';', '\t', '|'];

/**
 * CSV and TSV (optionally gzip or zstd): DuckDB's sniffer finds the delimiter, quote,
 * header and types from a bounded sample of rows. Files that look alike (same folder shape,
 * encoding and first line) are probed as a group: a spread-out sample of them is sniffed
 * one by one and the types merged (widened); the rest share the result, since their header
 * line matched. A custom classifier pins the format for every file under its prefix.
 */
export const csvClassifier: Classifier = {
  format: 'csv',

  claims(file: CandidateFile): boolean {
    return /\.(csv|tsv|txt|psv)(\.(gz|gzip|zst|zstd))?$/i.test(file.key);
  },

  async classify(files: CandidateFile[], context: ClassifyContext): Promise<Classification[]> {
    const results: Classification[] = [];
    const readable: CandidateFile[] = [];
    for (const file of files) {
      if (!isReadableEncoding(file.head.encoding)) {
        results.push({
          key: file.key,
          reason: `text encoding ${file.head.encoding} is not supported; convert the file to UTF-8 (or Latin-1)`,
        });
      } else readable.push(file);
    }
    const groups = groupBy(readable, (file) =>
      [
        file.shape,
        file.head.encoding,
        pinnedFor(file.key, context)?.prefix ?? '',
        firstLine(file),
      ].join('\n'),
    );
    for (const group of groups.values()) {
      context.signal.throwIfAborted();
      results.push(...(await classifyGroup(group, context)));
    }
    return results;
  },
};

// Files the sample stands for are checked a batch per scan; a batch that does not fit is
// probed file by file, so that one bad file costs its batch a second read, not the group.
const CHECK_BATCH = 200;

/**
 * A spread-out sample of the group is probed one by one and its types merged; the rest are
 * then read whole under the merged layout, so that a ragged row or an odd value in a file
 * outside the sample is found too (skipped, or widening its column), never left for a
 * query to fail on.
 */
async function classifyGroup(
  group: CandidateFile[],
  context: ClassifyContext,
): Promise<Classification[]> {
  const pinned = pinnedFor(group[0]!.key, context);
  const { sampled, rest } = sampleSpread(group, context.sampleFiles);
  const results: Classification[] = [];
  let merged: { dialect: CsvDialect; columns: ProbedColumn[] } | undefined;
  const probeEach = async (files: CandidateFile[]) => {
    for (const file of files) {
      // A probe reads the whole file; a cancelled crawl stops before the next one.
      context.signal.throwIfAborted();
      try {
        const probed = await probeFile(file, pinned, context);
        results.push(classified(file, probed.dialect, probed.columns));
        merged = merged
          ? {
              dialect: merged.dialect,
              columns: mergeColumns(merged.columns, probed.columns).columns,
            }
          : probed;
      } catch (error) {
        results.push({ key: file.key, reason: probeErrorReason(error) });
      }
    }
  };
  await probeEach(sampled);
  for (let i = 0; i < rest.length; i += CHECK_BATCH) {
    context.signal.throwIfAborted();
    const batch = rest.slice(i, i + CHECK_BATCH);
    // With no sampled file read, each is probed on its own: it may still be good.
    const layout = merged;
    if (layout && (await sharesLayout(batch, layout, pinned, context)))
      for (const file of batch) results.push(classified(file, layout.dialect, layout.columns));
    else await probeEach(batch);
  }
  return results;
}

async function sharesLayout(
  files: CandidateFile[],
  layout: { dialect: CsvDialect; columns: ProbedColumn[] },
  pinned: CsvClassifier | undefined,
  context: ClassifyContext,
): Promise<boolean> {
  // Pinned columns are checked on a sample of rows only (see probeFile): their rest too.
  if (pinned?.columns) return true;
  const paths = await Promise.all(files.map((file) => context.localPath(file.key)));
  return context.probe.csvFilesFit(paths, layout);
}

async function probeFile(
  file: CandidateFile,
  pinned: CsvClassifier | undefined,
  context: ClassifyContext,
): Promise<{ dialect: CsvDialect; columns: ProbedColumn[] }> {
  const path = await context.localPath(file.key);
  const encoding = pinned?.encoding ?? file.head.encoding;
  if (pinned?.columns) {
    const dialect: CsvDialect = {
      delimiter: pinned.delimiter ?? ',',
      quote: pinned.quote ?? '"',
      escape: pinned.escape ?? '"',
      header: pinned.header ?? true,
      encoding,
    };
    const columns = await context.probe
      .checkCsv(path, dialect, pinned.columns, context.sampleRows)
      .catch((error: unknown) => {
        throw new Error(
          `does not match the pinned CSV format of ${pinned.prefix}: ${probeErrorReason(error)}`,
        );
      });
    return { dialect, columns };
  }
  const hints = {
    delimiter: pinned?.delimiter ?? (/\.tsv(\.|$)/i.test(file.key) ? '\t' : undefined),
    header: pinned?.header,
    encoding,
    sampleRows: context.sampleRows,
  };
  const sniffed = await context.probe.sniffCsv(path, hints).catch((error: unknown) => {
    // The probe's own reasons (ragged rows, with the line) say it better than "unreadable".
    if (isLakeError(error) || !(error instanceof Error) || !/^(ragged|a value)/.test(error.message))
      throw new Error(`unreadable CSV: ${probeErrorReason(error)}`);
    throw error;
  });
  // DuckDB falls back to one column when no delimiter gives every row the same number of
  // fields: the header then still holds a delimiter, and the rows are ragged.
  const only = sniffed.columns.length === 1 ? sniffed.columns[0]!.name : undefined;
  const delimiter = only && !hints.delimiter ? DELIMITERS.find((d) => only.includes(d)) : undefined;
  if (only && delimiter) {
    try {
      await context.probe.sniffCsv(path, { ...hints, delimiter });
    } catch (error) {
      throw new Error(
        `ragged CSV rows (not every row has the header's ${only.split(delimiter).length} fields): ${probeErrorReason(error)}`,
      );
    }
    throw new Error(
      `ragged CSV rows: with delimiter ${JSON.stringify(delimiter)} the rows do not all have the header's ${only.split(delimiter).length} fields`,
    );
  }
  return sniffed;
}

function classified(
  file: CandidateFile,
  dialect: CsvDialect,
  columns: ProbedColumn[],
): ClassifiedFile {
  const properties: Record<string, string> = {
    classification: 'csv',
    header: String(dialect.header),
    delim: dialect.delimiter,
    quote: dialect.quote,
    escape: dialect.escape,
    null_padding: 'true',
  };
  if (dialect.encoding !== 'utf-8') properties['encoding'] = dialect.encoding;
  if (dialect.comment) properties['comment'] = dialect.comment;
  if (dialect.dateFormat) properties['dateformat'] = dialect.dateFormat;
  if (dialect.timestampFormat) properties['timestampformat'] = dialect.timestampFormat;
  return {
    key: file.key,
    size: file.size,
    etag: file.etag,
    format: 'csv',
    columns,
    rowCount: null,
    properties,
    ...(dialect.encoding !== 'utf-8' ? { encoding: dialect.encoding } : {}),
  };
}

function pinnedFor(key: string, context: ClassifyContext): CsvClassifier | undefined {
  let best: CsvClassifier | undefined;
  for (const c of context.classifiers)
    if (key.startsWith(c.prefix) && (!best || c.prefix.length > best.prefix.length)) best = c;
  return best;
}

/** The header line (or, without one, nothing in common): files sharing it are look-alikes. */
function firstLine(file: CandidateFile): string {
  const text = file.head.text;
  if (!text) return `\0${file.key}`; // cannot look inside (zstd): probe it on its own
  const end = text.indexOf(0x0a);
  return text
    .subarray(0, end < 0 ? Math.min(text.length, 4096) : Math.min(end, 4096))
    .toString('latin1');
}
