import { quoteIdentifier, quoteLiteral } from '../../catalog/identifier.js';
import { runPool } from '../../concurrency/run-pool.js';
import type { CsvStreamWriter } from '../../engine/csv-stream-writer.js';
import { LakeError } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import type { RunContext } from '../../runs/run-executor.js';
import type { MigrationStateStore } from './migration-state-store.js';
import type { MigrationTask } from './migration-task.js';
import { rowCounter } from './row-counter.js';
import type { Source, SourceTableRef } from './source.js';
import { planTable } from './table-mapping.js';

export interface FullLoadResult {
  tablesLoaded: number;
  tablesFailed: number;
  rowsLoaded: number;
  rowsRejected: number;
}

export const REJECTS_TABLE = 'migration_rejects';

/**
 * Loads every selected table: `parallelTables` at once, a large table read in key ranges in
 * parallel (all at one exported snapshot when the source has them), each table written by
 * the engine from the CSV streams and committed as one snapshot (overwrite, so a restarted
 * load replaces rather than doubles). A table that fails goes to `error`; the others go on.
 */
export async function runFullLoad(
  services: LakeServices,
  ctx: RunContext,
  task: MigrationTask,
  source: Source,
  tables: SourceTableRef[],
  store: MigrationStateStore,
  writer: CsvStreamWriter,
  snapshot: string | undefined,
): Promise<FullLoadResult> {
  const result: FullLoadResult = {
    tablesLoaded: 0,
    tablesFailed: 0,
    rowsLoaded: 0,
    rowsRejected: 0,
  };
  for (const ref of tables) await store.setTable(task.name, ref, { state: 'pending', error: null });
  let done = 0;
  const progress = () =>
    ctx.setProgress({ phase: 'full-load', done, total: tables.length, unit: 'tables' });
  await progress();

  const loadOne = async (ref: SourceTableRef) => {
    let streamed = 0;
    let lastFlush = Date.now();
    try {
      ctx.throwIfCancelled();
      const table = await source.describeTable(ref);
      const plan = planTable(task.mappings, table, quoteIdentifier, quoteLiteral);
      const target = `${task.targetDatabase}.${plan.target}`;
      await store.setTable(task.name, ref, {
        state: 'loading',
        targetTable: target,
        rowsLoaded: 0,
      });
      const parts =
        source.capabilities.supportsKeyRanges && table.estimatedRows > task.settings.splitRows
          ? task.settings.rangeParts
          : 1;
      const ranges = await source.keyRanges(table, parts);
      const streams = await Promise.all(
        ranges.map(async (range) =>
          (await source.streamTable(table, { range, snapshot })).pipe(
            rowCounter((n) => {
              streamed += n;
              if (Date.now() - lastFlush > 1000) {
                lastFlush = Date.now();
                void store
                  .setTable(task.name, ref, { rowsLoaded: streamed })
                  .catch(() => undefined);
              }
            }),
          ),
        ),
      );
      ctx.signal.addEventListener('abort', () => streams.forEach((s) => s.destroy()), {
        once: true,
      });
      const written = await writer.write(
        target,
        {
          columns: table.columns.map((c) => ({ name: c.name, type: c.lakeType })),
          projection: plan.projection,
          streams,
        },
        {
          mode: 'overwrite',
          operation: 'full-load',
          summary: { migrationTask: task.name, sourceTable: `${ref.schema}.${ref.name}` },
        },
      );
      if (written.rejectedRows > 0) {
        const lakeWriter = await services.writer();
        await lakeWriter.write(
          `${task.targetDatabase}.${REJECTS_TABLE}`,
          written.rejects.map((r) => ({
            task: task.name,
            source_table: `${ref.schema}.${ref.name}`,
            line: r.line,
            column_name: r.column,
            reason: r.reason,
            csv_line: r.csvLine,
            rejected_at: new Date().toISOString(),
          })),
          { mode: 'append' },
        );
        await ctx.log(
          'warn',
          `${ref.schema}.${ref.name}: ${written.rejectedRows} row(s) rejected (see ${task.targetDatabase}.${REJECTS_TABLE}); first: ${written.rejects[0]?.reason ?? ''}`,
        );
      }
      await store.setTable(task.name, ref, {
        state: 'loaded',
        rowsLoaded: written.rowsWritten,
        rowsRejected: written.rejectedRows,
        error: null,
      });
      await ctx.info(
        `${ref.schema}.${ref.name} → ${target}: ${written.rowsWritten} rows in ${ranges.length} range(s), snapshot ${written.snapshot.id}`,
      );
      result.tablesLoaded += 1;
      result.rowsLoaded += written.rowsWritten;
      result.rowsRejected += written.rejectedRows;
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const message = error instanceof Error ? error.message : String(error);
      await store.setTable(task.name, ref, { state: 'error', error: message });
      await ctx.log('error', `${ref.schema}.${ref.name}: ${message}`);
      result.tablesFailed += 1;
    } finally {
      done += 1;
      await progress();
      await ctx.addMetrics({ ...result });
    }
  };

  // loadOne records a table's failure itself, so every table is tried.
  await runPool(tables, Math.max(1, task.settings.parallelTables), undefined, loadOne);
  if (result.tablesLoaded === 0 && result.tablesFailed > 0)
    throw new LakeError(
      'SOURCE_ERROR',
      `Every table of ${task.name} failed to load; lakebox migrate status ${task.name} shows why.`,
    );
  return result;
}
