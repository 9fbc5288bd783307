import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from '../catalog/catalog-types.js';
import { quoteLiteral } from '../catalog/identifier.js';
import { tableReferences, withTableSession } from '../engine/table-session.js';
import type { TableReference } from '../engine/table-references.js';
import type { BoundTable } from '../engine/table-writer.js';
import { recordsSelect } from '../engine/write-source.js';
import { LakeError } from '../errors/lake-error.js';
import type { LakeServices } from '../lake-services.js';
import type { RunContext, RunOutcome } from '../runs/run-executor.js';
import type { BookmarkStore, ConsumedInput } from './bookmark-store.js';
import { checkColumnTypes } from './column-types-check.js';
import { checkParameters, fillParameters } from './job-parameters.js';
import type { Job } from './job-types.js';
import { parsePartitionBy, withPartitionColumns } from './partition-spec.js';
import type { QualityGate } from './quality-gate.js';
import { quarantineSplit } from './quarantine-split.js';
import { loadUserModule } from '../user-code/load-module.js';
import type { TransformFunction } from './transform-api.js';
import { TRANSFORM_MODULE } from './transform-module-kind.js';
import { runTransform } from './transform-run.js';

/** Points where tests (and only tests) step into a job run. */
export interface JobHooks {
  /** After the output files are in the store, before the commit; once per commit attempt. */
  beforeCommit?: (run: { jobName: string; runId: string }) => Promise<void>;
}

export interface JobRunDeps {
  services: LakeServices;
  bookmarks: BookmarkStore;
  qualityGate?: QualityGate;
  hooks?: JobHooks;
}

interface Input {
  bound: BoundTable;
  consumed: ConsumedInput;
  /** Undefined when the input's files were registered without row counts. */
  rowsRead: number | undefined;
  filesRead: number;
}

/**
 * One run of a job: pin its inputs (only what was added since the bookmark, when it keeps
 * one), produce the output SELECT (the job's SQL, or its TypeScript transform's result),
 * check it (types, the quality gate), and write it as one snapshot whose commit moves the
 * bookmark in the same transaction. Anything that fails or times out before that commit
 * leaves the target and the bookmark as they were.
 */
export async function runJob(deps: JobRunDeps, job: Job, ctx: RunContext): Promise<RunOutcome> {
  const started = Date.now();
  const { services } = deps;
  const parameters = {
    ...job.parameters,
    ...checkParameters((ctx.parameters['parameters'] as Record<string, unknown>) ?? {}),
  };
  const { signal, dispose } = jobSignal(ctx.signal, job);
  const staging = join(await services.workDir('jobs'), ctx.run.id);
  await mkdir(staging, { recursive: true });
  try {
    const queries = await services.queries();
    const database = job.database ?? job.target.split('.')[0]!;
    const sql = job.kind === 'sql' ? fillParameters(job.sql!, parameters) : undefined;
    const refs: TableReference[] =
      sql !== undefined
        ? await tableReferences(queries, sql)
        : job.inputs.map((name) => {
            const [schema, table] = name.split('.') as [string, string];
            return { schema, name: table };
          });
    const inputs: Input[] = [];
    for (const ref of refs) {
      const table = await services.catalog.getTable(`${ref.schema || database}.${ref.name}`);
      inputs.push(await pinInput(deps, job, ref, table));
    }
    const bound = inputs.map((i) => i.bound);
    // rowsRead only when every input's count is known: a partial sum would mislead.
    const rowsRead = inputs.every((i) => i.rowsRead !== undefined)
      ? inputs.reduce((n, i) => n + (i.rowsRead ?? 0), 0)
      : undefined;
    const readMetrics = {
      filesRead: inputs.reduce((n, i) => n + i.filesRead, 0),
      ...(rowsRead === undefined ? {} : { rowsRead }),
    };
    for (const input of inputs) {
      await ctx.info(
        `input ${input.consumed.inputTable} at snapshot ${input.consumed.snapshotId ?? 'none'}: ${input.filesRead} file(s), ${input.rowsRead ?? 'an unknown number of'} row(s)`,
      );
    }
    await ctx.addMetrics(readMetrics);
    const recordBookmark = (trx: Parameters<BookmarkStore['record']>[0]) =>
      job.bookmarks
        ? deps.bookmarks.record(
            trx,
            job.name,
            ctx.run.id,
            inputs.map((i) => i.consumed),
          )
        : Promise.resolve();

    if (
      job.bookmarks &&
      inputs.length > 0 &&
      inputs.every((i) => i.bound.pinned.files.length === 0)
    ) {
      await ctx.info('nothing new in the inputs since the bookmark; nothing to write');
      return { metrics: { ...readMetrics, rowsWritten: 0, durationMs: Date.now() - started } };
    }
    signal.throwIfAborted();

    let output = sql;
    if (job.kind === 'typescript') {
      const transform = await loadUserModule<TransformFunction>(
        (key) => services.readCache.localPath(key),
        await services.workDir('transforms'),
        TRANSFORM_MODULE,
        job.artifact!,
      );
      const result = await withTableSession(queries, bound, async (session) => {
        const interrupt = () => session.interrupt();
        signal.addEventListener('abort', interrupt, { once: true });
        try {
          return await runTransform(transform, session, {
            jobName: job.name,
            runId: ctx.run.id,
            parameters,
            inputs: refs.map((r) => `${r.schema || database}.${r.name}`),
            signal,
            log: (message) => void ctx.info(`transform: ${message}`),
          });
        } finally {
          signal.removeEventListener('abort', interrupt);
        }
      });
      if ('sql' in result) output = result.sql;
      else if (result.records.length > 0) output = await recordsSelect(result.records, staging);
      else {
        await ctx.info('the transform returned no records; nothing to write');
        await services.db.transaction().execute((trx) => recordBookmark(trx));
        return { metrics: { ...readMetrics, rowsWritten: 0, durationMs: Date.now() - started } };
      }
    }
    signal.throwIfAborted();

    const partitionFields = parsePartitionBy(job.write.partitionBy);
    const outputColumns = await withTableSession(queries, bound, (s) => s.describe(output!));
    let writeSql = withPartitionColumns(
      output!,
      partitionFields,
      outputColumns.map((c) => c.name),
    );
    const existing = await services.catalog.findTable(job.target);
    if (existing) {
      const written =
        writeSql === output
          ? outputColumns
          : await withTableSession(queries, bound, (s) => s.describe(writeSql));
      checkColumnTypes(
        existing.fullName,
        (await services.catalog.schema(existing)).columns,
        written,
      );
    }

    let quarantineSql: string | undefined;
    if (job.quality) {
      const gate = deps.qualityGate;
      if (!gate) {
        throw new LakeError(
          'QUALITY_UNAVAILABLE',
          `Job ${job.name} has a quality gate (ruleset ${job.quality.ruleset}), but this lake has no quality service to evaluate it.`,
        );
      }
      const path = join(staging, 'output.parquet');
      const staged = await withTableSession(queries, bound, (s) => s.stageParquet(writeSql, path));
      const relation = `SELECT * FROM read_parquet(${quoteLiteral(path)})`;
      const outcome = await gate.evaluate({
        ruleset: job.quality.ruleset,
        relation,
        target: job.target,
        runId: ctx.run.id,
        signal,
      });
      for (const rule of outcome.rules) {
        await ctx.log(
          rule.passed ? 'info' : 'warn',
          `quality ${rule.passed ? 'passed' : 'FAILED'}: ${rule.rule}${rule.message ? ` (${rule.message})` : ''}`,
        );
      }
      writeSql = relation;
      if (!outcome.passed) {
        const failed = outcome.rules.filter((r) => !r.passed);
        if (job.quality.action === 'fail') {
          throw new LakeError(
            'QUALITY_GATE_FAILED',
            `The output of job ${job.name} (${staged} rows) failed ruleset ${job.quality.ruleset}: ${failed.map((r) => r.rule).join('; ')}; nothing was committed.`,
            { details: { failedRules: failed.map((r) => r.rule) } },
          );
        }
        if (job.quality.action === 'quarantine') {
          const split = quarantineSplit(relation, outcome, job.target);
          writeSql = split.kept;
          quarantineSql = split.quarantined;
        } else {
          await ctx.log(
            'warn',
            `ruleset ${job.quality.ruleset} failed; writing anyway (action warn)`,
          );
        }
      }
    }
    signal.throwIfAborted();

    const byRef = new Map(bound.map((b) => [refKey(b.ref), b]));
    const writer = await services.writer();
    const result = await writer.write(
      job.target,
      { sql: writeSql, database },
      {
        mode: job.write.mode,
        partitionBy: partitionFields.length > 0 ? partitionFields.map((f) => f.column) : undefined,
        sortBy: job.write.sortBy,
        mergeKeys: job.write.mergeKeys,
        deleteWhen: job.write.deleteWhen,
        addColumns: job.write.allowAddColumns,
        targetFileSize: job.write.targetFileSize,
        pin: async (ref, db) => byRef.get(refKey(ref)) ?? queries.pin(ref, { database: db }),
        beforeCommit: async () => {
          signal.throwIfAborted();
          await deps.hooks?.beforeCommit?.({ jobName: job.name, runId: ctx.run.id });
          signal.throwIfAborted();
        },
        onCommit: async (trx) => {
          signal.throwIfAborted();
          await recordBookmark(trx);
        },
      },
    );
    await ctx.info(
      `committed snapshot ${result.snapshot.id} of ${job.target}: ${result.rowsWritten} row(s) in ${result.filesWritten} file(s)`,
    );
    let quarantinedRows = 0;
    if (quarantineSql) {
      // A separate commit after the output's: a crash between the two loses quarantined
      // rows (the bookmark has moved), never commits failing rows into the target.
      const quarantine = await writer.write(
        `${job.target}_quarantine`,
        { sql: quarantineSql },
        { mode: 'append', addColumns: true },
      );
      quarantinedRows = quarantine.rowsWritten;
      await ctx.log('warn', `${quarantinedRows} row(s) quarantined in ${job.target}_quarantine`);
    }
    return {
      metrics: {
        ...readMetrics,
        rowsWritten: result.rowsWritten,
        filesWritten: result.filesWritten,
        bytesWritten: result.bytesWritten,
        filesRemoved: result.filesRemoved,
        rowsRemoved: result.rowsRemoved,
        snapshotId: result.snapshot.id,
        quarantinedRows,
        ...(result.merge
          ? {
              rowsInserted: result.merge.inserted,
              rowsUpdated: result.merge.updated,
              rowsDeleted: result.merge.deleted,
            }
          : {}),
        durationMs: Date.now() - started,
      },
    };
  } finally {
    dispose();
    await rm(staging, { recursive: true, force: true });
  }
}

/** Pins an input at its current snapshot, keeping only what the bookmark has not consumed. */
async function pinInput(
  deps: JobRunDeps,
  job: Job,
  ref: TableReference,
  table: Table,
): Promise<Input> {
  const queries = await deps.services.queries();
  const pinned = await queries.pinTable(table);
  let files = pinned.files;
  let consumedFiles: string[] = [];
  if (job.bookmarks) {
    if (table.kind === 'managed') {
      const since = await deps.bookmarks.snapshotOf(job.name, table.id);
      // By the age of the rows, not of the file: a compacted file holds rows read before.
      // Compaction never merges rows across a bookmark's position, so a file is all read or
      // all new; one that straddles (only after a rewind past a compaction) is read whole.
      if (since !== null) files = files.filter((f) => f.rowOrigin.max > since);
    } else {
      // A consumed path is read again when the file was registered anew after the snapshot
      // the bookmark read up to: a crawler re-registers a file replaced under the same name
      // (Glue rereads modified objects too), and skipping it would lose its new rows.
      const done = await deps.bookmarks.consumedFiles(job.name, table.id);
      const since = await deps.bookmarks.snapshotOf(job.name, table.id);
      files = files.filter((f) => !done.has(f.path) || (since !== null && f.beginSnapshot > since));
      consumedFiles = files.map((f) => f.path);
    }
  }
  return {
    bound: { ref, pinned: { ...pinned, files } },
    consumed: {
      inputTable: table.fullName,
      tableId: table.id,
      snapshotId: pinned.snapshotId,
      files: consumedFiles,
    },
    // CSV and JSON files are registered without their row counts (see docs/crawl.md): a sum
    // of those would claim 0 rows read, and counting them would cost a second scan.
    rowsRead:
      files.length > 0 && table.properties['record_counts'] === 'unknown'
        ? undefined
        : files.reduce((n, f) => n + f.recordCount, 0),
    filesRead: files.length,
  };
}

function refKey(ref: TableReference): string {
  return `${ref.schema}.${ref.name}`;
}

/** The run's signal, also aborted (with JOB_TIMEOUT) when the job's timeout passes. */
function jobSignal(parent: AbortSignal, job: Job): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  const timer =
    job.timeoutMs === null
      ? undefined
      : setTimeout(
          () =>
            controller.abort(
              new LakeError(
                'JOB_TIMEOUT',
                `Job ${job.name} ran longer than its timeout of ${job.timeoutMs} ms and was stopped; nothing was committed.`,
              ),
            ),
          job.timeoutMs,
        );
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
}
