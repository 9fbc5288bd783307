import { expireSnapshots } from '../catalog/expire-snapshots.js';
import { compactTable } from '../engine/compact-table.js';
import type { LakeServices } from '../lake-services.js';
import { BookmarkStore } from './bookmark-store.js';

/**
 * The maintenance run kinds: `compact` (merge small files per partition) and
 * `expire-snapshots` (mark old snapshots expired for vacuum). Table vacuum is the lake's
 * `vacuum` kind with a `table` parameter.
 */
export function registerMaintenanceRuns(services: LakeServices): void {
  services.executor.register('compact', async (ctx) => {
    const { table, smallFileBytes, minFiles } = ctx.parameters as {
      table: string;
      smallFileBytes?: number;
      minFiles?: number;
    };
    const started = Date.now();
    const result = await compactTable(
      await services.queries(),
      services.catalog,
      services.store,
      services.readCache,
      await services.workDir('compact'),
      table,
      {
        smallFileBytes,
        minFiles,
        signal: ctx.signal,
        keepApart: (t, trx) => new BookmarkStore(trx ?? services.db).positionsOn(t.id),
      },
    );
    await ctx.info(
      result.snapshot
        ? `compacted ${result.filesRemoved} file(s) in ${result.partitionsCompacted} partition(s) into ${result.filesWritten}: snapshot ${result.snapshot.id}`
        : 'no partition has enough small files; nothing to compact',
    );
    return {
      metrics: {
        partitionsCompacted: result.partitionsCompacted,
        filesRemoved: result.filesRemoved,
        filesWritten: result.filesWritten,
        bytesWritten: result.bytesWritten,
        rowsRewritten: result.rowsRewritten,
        ...(result.snapshot ? { snapshotId: result.snapshot.id } : {}),
        durationMs: Date.now() - started,
      },
    };
  });

  services.executor.register('expire-snapshots', async (ctx) => {
    const { table, olderThan, retainLast } = ctx.parameters as {
      table: string;
      olderThan: number;
      retainLast?: number;
    };
    const result = await expireSnapshots(services.db, await services.catalog.getTable(table), {
      olderThan: new Date(olderThan),
      retainLast,
    });
    await ctx.info(
      `expired ${result.expiredSnapshots.length} snapshot(s) of ${table} older than ${new Date(olderThan).toISOString()}`,
    );
    return { metrics: { expiredSnapshots: result.expiredSnapshots.length } };
  });
}
