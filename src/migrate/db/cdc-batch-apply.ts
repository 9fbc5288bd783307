import { Readable } from 'node:stream';
import { quoteIdentifier } from '../../catalog/identifier.js';
import type { CsvStreamWriter } from '../../engine/csv-stream-writer.js';
import { isLakeError } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import type { RunContext } from '../../runs/run-executor.js';
import type { Change } from './cdc-change.js';
import { csvField } from './csv-field.js';
import { fillUnchanged } from './fill-unchanged.js';
import { lakeCurrentRows } from './lake-current-rows.js';
import type { MigrationStateStore } from './migration-state-store.js';
import type { MigrationTask } from './migration-task.js';
import type { PostgresTable } from './postgres/postgres-source.js';
import type { TablePlan } from './table-mapping.js';

/** A source table CDC follows, and how far its change table has got. */
export interface Followed {
  key: string;
  table: PostgresTable;
  plan: TablePlan;
  target: string;
  changeTable: string;
  /** Highest commit LSN already in the change table (kept in its snapshot summaries). */
  appliedLsn: bigint;
  changesApplied: number;
  dropped: boolean;
}

/** The changes of whole transactions gathered since the last applied batch. */
export interface Batch {
  changes: Map<string, Change[]>;
  endLsn: bigint | null;
  count: number;
  commitTimes: number[];
}

const CHANGE_COLUMNS = [
  { name: '_op', type: 'VARCHAR' },
  { name: '_lsn', type: 'BIGINT' },
  { name: '_seq', type: 'BIGINT' },
  { name: '_commit_ts', type: 'TIMESTAMPTZ' },
];

/**
 * Applies one batch to each followed table: its changes are appended to the table's change
 * table (skipping what that table already holds, by commit LSN, so a replayed batch adds
 * nothing), then merged into the current-state table by key, last change wins. Values
 * pgoutput did not resend (unchanged TOAST) are filled from the lake first. A table whose
 * batch cannot be applied stops with its error; the others go on. A transient error is
 * thrown, so the batch is retried whole and the slot not moved.
 */
export async function applyBatch(
  services: LakeServices,
  writer: CsvStreamWriter,
  batch: Batch,
  followed: Map<string, Followed>,
  store: MigrationStateStore,
  task: MigrationTask,
  log: RunContext['log'],
): Promise<void> {
  const lakeWriter = await services.writer();
  for (const [key, all] of batch.changes) {
    const entry = followed.get(key);
    if (!entry || entry.dropped) continue;
    const fresh = all.filter((c) => c.lsn > entry.appliedLsn);
    const maxLsn = all.reduce((m, c) => (c.lsn > m ? c.lsn : m), 0n);
    const minLsn = all.reduce((m, c) => (c.lsn < m ? c.lsn : m), maxLsn);
    try {
      const missing = await fillUnchanged(
        all,
        entry.table.keyColumns,
        lakeCurrentRows(() => services.queries(), entry.target, entry.table, entry.plan),
      );
      if (missing > 0)
        await log(
          'warn',
          `${missing} update(s) of ${entry.key} left values unsent that the lake has no row to take them from; they are NULL until the row changes again`,
        );
      if (fresh.length > 0) {
        const columns = entry.table.columns;
        const csv = fresh
          .map((c) =>
            [
              c.op,
              c.lsn.toString(),
              String(c.seq),
              csvField(c.commitTs),
              ...columns.map((col) => {
                const v = c.values?.[col.name];
                return v === null || v === undefined ? '' : csvField(v);
              }),
            ].join(','),
          )
          .join('\n');
        await writer.write(
          entry.changeTable,
          {
            columns: [
              ...CHANGE_COLUMNS,
              ...columns.map((c) => ({ name: c.name, type: c.lakeType })),
            ],
            projection: [
              ...CHANGE_COLUMNS.map((c) => ({ name: c.name, expression: quoteIdentifier(c.name) })),
              ...entry.plan.projection,
            ],
            streams: [Readable.from([`${csv}\n`])],
          },
          {
            mode: 'append',
            addColumns: true,
            operation: 'cdc',
            summary: { cdcLsn: maxLsn.toString() },
          },
        );
        entry.appliedLsn = maxLsn;
      }
      const truncates = all.filter((c) => c.op === 'T');
      const last = truncates[truncates.length - 1];
      if (last) {
        const table = await services.catalog.findTable(entry.target);
        if (table)
          await services.catalog.commit({
            table,
            parentSnapshotId: table.currentSnapshotId,
            operation: 'truncate',
            addFiles: [],
            removeFiles: 'all',
          });
      }
      const window = `_lsn BETWEEN ${minLsn} AND ${maxLsn}${last ? ` AND (_lsn, _seq) > (${last.lsn}, ${last.seq}) AND _op <> 'T'` : " AND _op <> 'T'"}`;
      const keys =
        entry.plan.keyColumns.length > 0
          ? entry.plan.keyColumns
          : entry.plan.projection.map((p) => p.name);
      const keyList = keys.map(quoteIdentifier).join(', ');
      const cols = entry.plan.projection.map((p) => quoteIdentifier(p.name)).join(', ');
      const hasRows = all.some(
        (c) =>
          c.op !== 'T' && (!last || c.lsn > last.lsn || (c.lsn === last.lsn && c.seq > last.seq)),
      );
      if (hasRows) {
        // The last change of each key wins; `_op` marks deletes and is not written.
        await lakeWriter.write(
          entry.target,
          {
            sql: `SELECT ${cols}, _op FROM (SELECT *, row_number() OVER (PARTITION BY ${keyList} ORDER BY _lsn DESC, _seq DESC) AS __rn FROM ${entry.changeTable} WHERE ${window}) WHERE __rn = 1`,
          },
          {
            mode: 'merge',
            mergeKeys: keys,
            deleteWhen: "_op = 'D'",
            excludeColumns: ['_op'],
            addColumns: true,
          },
        );
      }
      entry.changesApplied += fresh.length;
    } catch (error) {
      if (isLakeError(error) && error.transient) throw error;
      // A table whose batch cannot be applied stops; the others go on.
      entry.dropped = true;
      await store.setTable(task.name, entry.table, {
        state: 'error',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The highest commit LSN already in a change table, from its latest snapshot's summary. */
export async function appliedLsn(services: LakeServices, changeTable: string): Promise<bigint> {
  const table = await services.catalog.findTable(changeTable);
  if (!table?.currentSnapshotId) return 0n;
  for (const snapshot of await services.catalog.history(table, { limit: 50 })) {
    const lsn = snapshot.summary['cdcLsn'];
    if (lsn !== undefined) return BigInt(lsn);
  }
  return 0n;
}
