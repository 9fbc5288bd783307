import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { DataFile, Snapshot, Table } from '../catalog/catalog-types.js';
import { withCommitRetry } from '../catalog/commit-retry.js';
import type { Transaction } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import { quoteIdentifier } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { LocalFiles } from './local-files.js';
import { parquetScan } from './parquet-scan.js';
import { writeParquetFiles } from './parquet-output.js';
import type { QueryRunner } from './query-runner.js';

export interface CompactOptions {
  /** Files smaller than this many bytes are merged; 64 MiB unless told. */
  smallFileBytes?: number;
  /** A partition is compacted only when it has at least this many small files; 2 unless told. */
  minFiles?: number;
  /** Checked between partitions and before the commit. */
  signal?: AbortSignal;
  /**
   * Snapshots of the table that no compacted file may straddle (job bookmarks' positions):
   * rows added up to one of them and rows added after it are never merged into one file, so a
   * bookmark still tells, file by file, what it has read. Read when planning and again in the
   * commit's transaction; a change in between (a job moved its bookmark) plans again.
   */
  keepApart?: (table: Table, trx?: Transaction<MetaSchema>) => Promise<number[]>;
}

export interface CompactResult {
  /** Null when no partition needed compacting (nothing was committed). */
  snapshot: Snapshot | null;
  partitionsCompacted: number;
  filesRemoved: number;
  filesWritten: number;
  bytesWritten: number;
  rowsRewritten: number;
}

/**
 * Merges the small files of each partition of a managed table into one file per partition,
 * as one `compact` snapshot (rows unchanged). Another commit in between makes it plan again
 * from the new snapshot (optimistic concurrency); files written by an attempt that did not
 * commit are left for `vacuum`.
 */
export async function compactTable(
  queries: QueryRunner,
  catalog: Catalog,
  store: ObjectStore,
  files: LocalFiles,
  stagingRoot: string,
  name: string,
  options: CompactOptions = {},
): Promise<CompactResult> {
  const small = options.smallFileBytes ?? 64 * 1024 * 1024;
  const minFiles = Math.max(2, options.minFiles ?? 2);
  return withCommitRetry(async () => {
    const table = await catalog.getTable(name);
    if (table.kind !== 'managed') {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `${table.fullName} is an external table; only managed tables are compacted (their files are Lakebox's to rewrite).`,
      );
    }
    const schema = await catalog.schema(table);
    const boundaries = (await options.keepApart?.(table)) ?? [];
    const groups = new Map<string, DataFile[]>();
    for (const file of await catalog.files(table)) {
      if (file.fileSize >= small) continue;
      const sides = boundaries.map((b) =>
        file.rowOrigin.min > b ? 'after' : file.rowOrigin.max <= b ? 'upTo' : 'both',
      );
      // A file that already straddles a position (written before it was one) stays alone.
      if (sides.includes('both')) continue;
      const key = JSON.stringify([file.partitionValues, sides]);
      groups.set(key, [...(groups.get(key) ?? []), file]);
    }
    const chosen = [...groups.values()].filter((g) => g.length >= minFiles);
    const empty = {
      snapshot: null,
      partitionsCompacted: 0,
      filesRemoved: 0,
      filesWritten: 0,
      bytesWritten: 0,
      rowsRewritten: 0,
    };
    if (chosen.length === 0) return empty;
    const staging = join(stagingRoot, randomUUID());
    await mkdir(staging, { recursive: true });
    try {
      const written = await queries.withSession([], async (connection) => {
        const added = [];
        for (const [index, group] of chosen.entries()) {
          options.signal?.throwIfAborted();
          const paths = await Promise.all(group.map((f) => files.localPath(f.path)));
          const rowOrigin = {
            min: Math.min(...group.map((f) => f.rowOrigin.min)),
            max: Math.max(...group.map((f) => f.rowOrigin.max)),
          };
          const written = await writeParquetFiles(
            connection,
            store,
            `SELECT ${schema.columns.map((c) => quoteIdentifier(c.name)).join(', ')} FROM ${parquetScan(schema.columns, paths, { evolved: true })}`,
            {
              stagingDir: join(staging, String(index)),
              location: table.location,
              partitionBy: schema.partitionColumns,
              tableName: table.fullName,
            },
          );
          added.push(...written.map((file) => ({ ...file, rowOrigin })));
        }
        return added;
      });
      options.signal?.throwIfAborted();
      const removed = chosen.flat();
      const snapshot = await catalog.commit({
        table,
        parentSnapshotId: table.currentSnapshotId,
        operation: 'compact',
        addFiles: written,
        removeFiles: removed.map((f) => f.id),
        summary: { partitionsCompacted: chosen.length },
        inTransaction: async (trx) => {
          const now = (await options.keepApart?.(table, trx)) ?? [];
          if (JSON.stringify(now) !== JSON.stringify(boundaries)) {
            throw new LakeError(
              'COMMIT_CONFLICT',
              `A job bookmark on ${table.fullName} moved while it was compacted; planning again.`,
              { transient: true },
            );
          }
        },
      });
      return {
        snapshot,
        partitionsCompacted: chosen.length,
        filesRemoved: removed.length,
        filesWritten: written.length,
        bytesWritten: written.reduce((n, f) => n + f.fileSize, 0),
        rowsRewritten: removed.reduce((n, f) => n + f.recordCount, 0),
      };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  });
}
