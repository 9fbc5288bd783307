import { posix } from 'node:path';
import { FileSchemaProbe } from '../engine/file-schema-probe.js';
import { isLakeError } from '../errors/lake-error.js';
import type { LakeServices } from '../lake-services.js';
import type { RunContext } from '../runs/run-executor.js';
import { listAll, type ObjectInfo } from '../storage/object-store.js';
import type { Classifier, CandidateFile, ClassifiedFile } from './classifiers/classifier.js';
import { isSkipped } from './classifiers/classifier.js';
import { csvClassifier } from './classifiers/csv-classifier.js';
import { readHead } from './classifiers/file-head.js';
import { jsonClassifier } from './classifiers/json-classifier.js';
import { parquetClassifier } from './classifiers/parquet-classifier.js';
import { groupBy } from './classifiers/sample-files.js';
import { CrawlCatalog, type LiveTable } from './crawl-catalog.js';
import { resolveTarget, type ResolvedTarget } from './crawl-target.js';
import type { NormalizedSpec } from './crawler-spec.js';
import type { CrawlerStore, KnownObject } from './crawler-store.js';
import type { CrawlSummary, SkippedFile } from './crawler-types.js';
import { partitionedPath } from './partition-path.js';
import { groupTables } from './table-grouping.js';

/** Tried in order; the first that claims a file classifies it. */
const CLASSIFIERS: Classifier[] = [parquetClassifier, jsonClassifier, csvClassifier];
// Heads read at once: enough to hide S3 latency, few enough to bound memory (64 KiB each).
const HEAD_CONCURRENCY = 32;
// Marker and hidden files that tools leave next to data (`_SUCCESS`, `.crc`, `_temporary/`).
const IGNORED = /(^|\/)[._][^/]*$|(^|\/)_temporary\//;

/**
 * One crawl: list the targets, find what is new, changed or gone since the last crawl,
 * classify the new and changed files, group them into tables and apply it all to the
 * catalog in one commit per table. Returns the summary (also saved for the run).
 */
export async function runCrawl(
  services: LakeServices,
  store: CrawlerStore,
  crawler: string,
  spec: NormalizedSpec,
  ctx: RunContext,
): Promise<CrawlSummary> {
  const summary: CrawlSummary = {
    crawler,
    database: spec.database,
    filesListed: 0,
    filesNew: 0,
    filesChanged: 0,
    filesRemoved: 0,
    filesUnchanged: 0,
    filesRegistered: 0,
    tablesCreated: [],
    tablesUpdated: [],
    tablesDeprecated: [],
    tablesDeleted: [],
    partitionsAdded: 0,
    schemaChanges: [],
    skipped: [],
    encodings: [],
  };
  const storageUri =
    services.config.storage.type === 's3' ? services.config.storage.uri : undefined;
  const targets = spec.targets
    .map((t) => resolveTarget(t, storageUri))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const zone = targets[0]?.prefix.split('/')[0];
  await services.catalog.createDatabase(spec.database, {
    ifNotExists: true,
    ...(zone === 'raw' || zone === 'processed' || zone === 'curated' ? { zone } : {}),
  });

  await ctx.setProgress({ phase: 'listing', done: 0, unit: 'files' });
  const listed = await listTargets(services, targets, ctx);
  summary.filesListed = listed.size;

  const known = await store.knownObjects(crawler);
  const live = await liveTables(services, store, crawler);
  const livePath = new Map<string, { tableId: number; fileId: number }>();
  for (const t of live)
    for (const [path, fileId] of t.files) livePath.set(path, { tableId: t.table.id, fileId });

  const knownFolders = new Set<string>();
  if (spec.recrawl === 'new-folders-only') {
    for (const key of [...known.keys(), ...livePath.keys()]) knownFolders.add(posix.dirname(key));
  }
  const candidates: Array<{ info: ObjectInfo; target: ResolvedTarget }> = [];
  const replaced: Array<{ tableId: number; fileId: number }> = [];
  for (const [key, { info, target }] of listed) {
    const seen = known.get(key);
    const registered = livePath.get(key);
    if (!seen && registered) {
      summary.filesUnchanged++; // registered by a crawl that stopped before recording it
      continue;
    }
    if (!seen) {
      if (spec.recrawl === 'new-folders-only' && knownFolders.has(posix.dirname(key))) {
        summary.filesUnchanged++;
        continue;
      }
      summary.filesNew++;
      candidates.push({ info, target });
    } else if (seen.etag !== info.etag || seen.size !== info.size) {
      if (spec.recrawl === 'new-folders-only') {
        summary.filesUnchanged++;
        continue;
      }
      summary.filesChanged++;
      if (registered) replaced.push(registered);
      candidates.push({ info, target });
    } else summary.filesUnchanged++;
  }
  const removedKeys: string[] = [];
  if (spec.recrawl === 'everything') {
    const underTargets = (key: string) =>
      targets.some((t) => key.startsWith(t.prefix) && !t.excluded(key));
    for (const key of new Set([...known.keys(), ...livePath.keys()])) {
      if (listed.has(key) || !underTargets(key)) continue;
      removedKeys.push(key);
      const registered = livePath.get(key);
      if (registered) replaced.push(registered);
    }
    summary.filesRemoved = removedKeys.length;
  }
  ctx.throwIfCancelled();

  const classified: ClassifiedFile[] = [];
  const skipped: SkippedFile[] = [];
  if (candidates.length > 0) {
    const result = await classify(services, spec, candidates, ctx);
    classified.push(...result.classified);
    skipped.push(...result.skipped);
  }
  summary.skipped = skipped;
  for (const file of classified)
    if (file.encoding) summary.encodings.push({ key: file.key, encoding: file.encoding });

  ctx.throwIfCancelled();
  await ctx.setProgress({ phase: 'cataloging', done: 0, total: classified.length, unit: 'files' });
  const catalog = new CrawlCatalog(
    services.catalog,
    services.events,
    store,
    crawler,
    spec,
    live,
    summary,
    ctx.run.id,
    ctx.signal,
  );
  for (const [tableId, files] of groupBy(replaced, (r) => String(r.tableId)))
    catalog.removeFiles(
      Number(tableId),
      files.map((f) => f.fileId),
    );
  const byTarget = groupBy(classified, (file) => targetOf(targets, file.key)!.prefix);
  for (const [prefix, files] of byTarget) {
    for (const group of groupTables(files, prefix)) await catalog.place(group);
  }
  const { registered } = await catalog.commit();

  // Files placed in a table were recorded with its commit; the rest are recorded here.
  const records: KnownObject[] = [
    ...classified
      .filter((file) => !registered.has(file.key))
      .map((file) => ({
        key: file.key,
        etag: file.etag,
        size: file.size,
        tableId: null,
        skipReason: null,
      })),
    ...skipped.map((file) => {
      const info = listed.get(file.key)!.info;
      return {
        key: file.key,
        etag: info.etag,
        size: info.size,
        tableId: null,
        skipReason: file.reason,
      };
    }),
  ];
  await store.recordObjects(crawler, records, removedKeys);
  await ctx.setProgress({
    phase: 'done',
    done: summary.filesListed,
    total: summary.filesListed,
    unit: 'files',
  });
  return summary;
}

async function listTargets(
  services: LakeServices,
  targets: ResolvedTarget[],
  ctx: RunContext,
): Promise<Map<string, { info: ObjectInfo; target: ResolvedTarget }>> {
  const listed = new Map<string, { info: ObjectInfo; target: ResolvedTarget }>();
  for (const target of targets) {
    for await (const info of listAll(services.store, target.prefix)) {
      if (listed.has(info.key) || IGNORED.test(info.key.slice(target.prefix.length))) continue;
      const owner = targetOf(targets, info.key)!;
      if (owner.excluded(info.key)) continue;
      listed.set(info.key, { info, target: owner });
      if (listed.size % 1000 === 0) {
        ctx.throwIfCancelled();
        await ctx.setProgress({ phase: 'listing', done: listed.size, unit: 'files' });
      }
    }
  }
  return listed;
}

/** The most specific target holding a key (targets are sorted longest prefix first). */
function targetOf(targets: ResolvedTarget[], key: string): ResolvedTarget | undefined {
  return targets.find((t) => key.startsWith(t.prefix));
}

async function liveTables(
  services: LakeServices,
  store: CrawlerStore,
  crawler: string,
): Promise<LiveTable[]> {
  const tables: LiveTable[] = [];
  for (const record of await store.tables(crawler)) {
    let table;
    try {
      table = await services.catalog.getTableById(record.tableId);
    } catch (error) {
      if (!isLakeError(error, 'TABLE_NOT_FOUND')) throw error;
    }
    // A table dropped by hand is forgotten: its folder is crawled afresh.
    const dropped = !table || (await services.catalog.findTable(table.fullName))?.id !== table.id;
    if (!table || dropped) {
      await store.forgetTable(crawler, record.tableId);
      continue;
    }
    const schema = await services.catalog.schema(table);
    const files = await services.catalog.files(table);
    tables.push({
      record,
      table,
      schema,
      files: new Map(files.map((f) => [f.path, f.id])),
      partitions: new Set(files.map((f) => JSON.stringify(f.partitionValues))),
    });
  }
  return tables;
}

async function classify(
  services: LakeServices,
  spec: NormalizedSpec,
  candidates: Array<{ info: ObjectInfo; target: ResolvedTarget }>,
  ctx: RunContext,
): Promise<{ classified: ClassifiedFile[]; skipped: SkippedFile[] }> {
  const skipped: SkippedFile[] = [];
  const claimed = new Map<Classifier, CandidateFile[]>();
  let done = 0;
  await ctx.setProgress({
    phase: 'reading headers',
    done,
    total: candidates.length,
    unit: 'files',
  });
  for (let i = 0; i < candidates.length; i += HEAD_CONCURRENCY) {
    ctx.throwIfCancelled();
    const batch = candidates.slice(i, i + HEAD_CONCURRENCY);
    await Promise.all(
      batch.map(async ({ info, target }) => {
        if (info.size === 0) {
          skipped.push({ key: info.key, reason: 'empty file (0 bytes)' });
          return;
        }
        let head;
        try {
          head = await readHead(services.store, info.key, info.size);
        } catch (error) {
          skipped.push({ key: info.key, reason: `could not be read: ${(error as Error).message}` });
          return;
        }
        const path = partitionedPath(info.key, target.prefix);
        const file: CandidateFile = {
          key: info.key,
          size: info.size,
          etag: info.etag,
          head,
          shape: `${path.root}|${path.partitions.map((p) => p.name).join('/')}`,
        };
        const classifier = CLASSIFIERS.find((c) => c.claims(file)) ?? byContent(file);
        if (!classifier) {
          skipped.push({
            key: info.key,
            reason: 'unrecognized format: name it .parquet, .csv, .tsv, .json, .ndjson or .jsonl',
          });
          return;
        }
        const list = claimed.get(classifier) ?? [];
        list.push(file);
        claimed.set(classifier, list);
      }),
    );
    done += batch.length;
    await ctx.setProgress({
      phase: 'reading headers',
      done,
      total: candidates.length,
      unit: 'files',
    });
  }

  const probe = await FileSchemaProbe.open({ threads: services.config.engine.threads });
  const classified: ClassifiedFile[] = [];
  try {
    for (const [classifier, files] of claimed) {
      await ctx.setProgress({
        phase: `classifying ${classifier.format}`,
        done: 0,
        total: files.length,
        unit: 'files',
      });
      files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const results = await classifier.classify(files, {
        probe,
        localPath: (key) => services.readCache.localPath(key),
        sampleRows: spec.sampleRows,
        sampleFiles: spec.sampleFiles,
        classifiers: spec.classifiers,
        signal: ctx.signal,
      });
      for (const result of results)
        (isSkipped(result) ? skipped : classified).push(result as never);
    }
  } finally {
    await probe.close();
  }
  classified.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { classified, skipped };
}

/** For files whose name says nothing: JSON when the text starts like JSON, else CSV if it is text. */
function byContent(file: CandidateFile): Classifier | undefined {
  const text = file.head.text;
  if (!text) return undefined;
  const start = text.toString('latin1', 0, 64).trimStart()[0];
  if (start === '{' || start === '[') return jsonClassifier;
  if (text.includes(0)) return undefined;
  return /[,;\t|]/.test(text.toString('latin1', 0, 4096)) ? csvClassifier : undefined;
}
