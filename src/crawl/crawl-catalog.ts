import type { Catalog } from '../catalog/catalog.js';
import type { Column, NewDataFile, Table, TableSchema } from '../catalog/catalog-types.js';
import { withCommitRetry } from '../catalog/commit-retry.js';
import type { ProbedColumn } from '../engine/file-schema-probe.js';
import type { EventLog } from '../events/event-log.js';
import type { NormalizedSpec } from './crawler-spec.js';
import type { CrawlerStore, CrawlerTableRecord } from './crawler-store.js';
import type { CrawlSummary } from './crawler-types.js';
import { partitionType } from './partition-path.js';
import { compatibleSchemas, mergeColumns, type ColumnChange } from './schema-merge.js';
import type { PlacedFile, TableGroup } from './table-grouping.js';
import { widenType } from './type-widening.js';

/** A crawler table as it stands in the catalog, with its live files by path. */
export interface LiveTable {
  record: CrawlerTableRecord;
  table: Table;
  schema: TableSchema;
  files: Map<string, number>;
  /** Partition values of the live files, as JSON. */
  partitions: Set<string>;
}

interface PendingCommit {
  live?: LiveTable;
  table: Table;
  created: boolean;
  add: PlacedFile[];
  removeIds: number[];
  schema?: { columns: Column[]; partitionColumns: string[] };
}

/**
 * Turns table groups, changed and removed files into catalog changes: creates tables,
 * evolves schemas per the schema change policy, commits one snapshot per table with all
 * its added and removed files (a batch, not a commit per file), and applies the deletion
 * policy to tables whose files are all gone.
 */
export class CrawlCatalog {
  private readonly pending = new Map<number, PendingCommit>();

  constructor(
    private readonly catalog: Catalog,
    private readonly events: EventLog,
    private readonly store: CrawlerStore,
    private readonly crawler: string,
    private readonly spec: NormalizedSpec,
    private readonly live: LiveTable[],
    private readonly summary: CrawlSummary,
    private readonly runId: string,
    private readonly signal: AbortSignal,
  ) {}

  /** Places a group in an existing table (evolving it per policy) or a new one. */
  async place(group: TableGroup): Promise<void> {
    if (group.splitFrom) {
      this.summary.schemaChanges.push({
        table: `${this.spec.database}.${this.spec.tablePrefix}${group.splitFrom}`,
        kind: 'split',
        detail: `${group.files.length} file(s) under ${group.root} have a schema incompatible with the rest; registered as a separate table`,
      });
    }
    const partitionColumns = this.partitionColumns(group);
    const candidates = this.live.filter(
      (t) =>
        t.record.root === group.root &&
        t.record.format === group.format &&
        sameNames(t.schema.partitionColumns, group.partitionNames) &&
        compatibleSchemas(
          group.format,
          dataColumns(t.schema),
          group.columns,
          group.partitionNames.length > 0,
        ),
    );
    const target = candidates.at(-1);
    if (!target) {
      await this.createFor(group, group.columns, partitionColumns);
      return;
    }

    const merged = mergeColumns(dataColumns(target.schema), group.columns);
    const partitionTypes = partitionColumns.map((p) => {
      const existing = target.schema.columns.find((c) => c.name === p.name);
      const type = existing ? widenType(existing.type, p.type) : p.type;
      if (existing && type !== existing.type)
        merged.changes.push({ kind: 'widened', column: p.name, from: existing.type, to: type });
      return { ...p, type };
    });
    const changes = [...group.changes, ...merged.changes];
    const fullName = target.table.fullName;
    if (merged.changes.length === 0) {
      this.report(fullName, group.changes);
      return this.queue(target.table, target, group.files);
    }
    switch (this.spec.schemaChange) {
      case 'update':
        this.report(fullName, changes);
        return this.queue(target.table, target, group.files, {
          columns: [...merged.columns, ...partitionTypes].map(toColumn),
          partitionColumns: group.partitionNames,
        });
      case 'log':
        this.report(fullName, changes, 'not applied (schema change policy: log)');
        return this.queue(target.table, target, group.files);
      case 'new-version': {
        const created = await this.createFor(
          { ...group, name: `${target.table.name.slice(this.spec.tablePrefix.length)}_v` },
          merged.columns,
          partitionTypes,
        );
        this.summary.schemaChanges.push({
          table: fullName,
          kind: 'new-version',
          detail: `files with the changed schema registered as ${created.fullName}`,
        });
        this.report(created.fullName, changes);
        return;
      }
    }
  }

  /** Files of live tables that are gone (or changed, and re-added) leave their tables. */
  removeFiles(tableId: number, fileIds: number[]): void {
    const live = this.live.find((t) => t.table.id === tableId);
    if (!live || fileIds.length === 0) return;
    this.pendingFor(live.table, live).removeIds.push(...fileIds);
  }

  /**
   * Commits every pending table change, each followed by the crawler's record of its files
   * and the deletion policy. A cancelled crawl stops between tables, so each table is
   * committed whole or not at all, and what was committed is known to the next crawl.
   */
  async commit(): Promise<{ registered: Map<string, number> }> {
    const registered = new Map<string, number>();
    // Tables this crawl created exist already, empty: their first commit completes them
    // however the crawl ends, so they go first and cancellation is honoured only after.
    const ordered = [...this.pending.values()].sort(
      (a, b) => Number(b.created) - Number(a.created),
    );
    for (const pending of ordered) {
      if (pending.add.length === 0 && pending.removeIds.length === 0 && !pending.schema) continue;
      if (!pending.created) this.signal.throwIfAborted();
      const snapshot = await withCommitRetry(async () => {
        const table = await this.catalog.getTableById(pending.table.id);
        const files = await this.catalog.files(table);
        const live = new Set(files.map((f) => f.id));
        const removeIds = pending.removeIds.filter((id) => live.has(id));
        // Files a stopped crawl already registered are not added twice; but a file replaced
        // in place keeps its path, and its old entry is being removed in this very commit.
        const removing = new Set(removeIds);
        const kept = new Set(files.filter((f) => !removing.has(f.id)).map((f) => f.path));
        return this.catalog.commit({
          table,
          parentSnapshotId: table.currentSnapshotId,
          operation: 'crawl',
          addFiles: pending.add.filter((f) => !kept.has(f.key)).map(toDataFile),
          removeFiles: removeIds,
          ...(pending.schema ? { schema: pending.schema } : {}),
          summary: { crawler: this.crawler, runId: this.runId },
          // In the commit's transaction: the event and the snapshot it reports commit together.
          inTransaction: pending.created
            ? undefined
            : async (trx, snapshot) => {
                await this.events.append(
                  {
                    type: 'table.updated',
                    subject: pending.table.fullName,
                    payload: {
                      table: pending.table.fullName,
                      snapshotId: snapshot.id,
                      crawler: this.crawler,
                      runId: this.runId,
                      addedFiles: snapshot.summary.addedFiles,
                      removedFiles: snapshot.summary.removedFiles,
                      schemaChanged: pending.schema !== undefined,
                    },
                  },
                  trx,
                );
              },
        });
      });
      for (const file of pending.add) registered.set(file.key, pending.table.id);
      await this.store.recordObjects(
        this.crawler,
        pending.add.map((file) => ({
          key: file.key,
          etag: file.etag,
          size: file.size,
          tableId: pending.table.id,
          skipReason: null,
        })),
        [],
      );
      this.summary.filesRegistered += pending.add.length;
      this.summary.partitionsAdded += this.newPartitions(pending);
      if (!pending.created) {
        if (!this.summary.tablesUpdated.includes(pending.table.fullName))
          this.summary.tablesUpdated.push(pending.table.fullName);
      }
      await this.afterCommit(pending, snapshot.fileCount);
    }
    return { registered };
  }

  private async afterCommit(pending: PendingCommit, fileCount: number): Promise<void> {
    const record = pending.live?.record;
    if (fileCount > 0) {
      if (record?.state === 'deprecated')
        await this.store.setTable(this.crawler, { ...record, state: 'active' });
      return;
    }
    if (!record || pending.removeIds.length === 0) return;
    if (this.spec.deletion === 'delete') {
      await this.catalog.dropTable(pending.table.fullName);
      await this.store.forgetTable(this.crawler, pending.table.id);
      this.summary.tablesDeleted.push(pending.table.fullName);
    } else {
      await this.store.setTable(this.crawler, { ...record, state: 'deprecated' });
      this.summary.tablesDeprecated.push(pending.table.fullName);
    }
    this.summary.tablesUpdated = this.summary.tablesUpdated.filter(
      (t) => t !== pending.table.fullName,
    );
  }

  private async createFor(
    group: TableGroup,
    columns: ProbedColumn[],
    partitionColumns: ProbedColumn[],
  ): Promise<Table> {
    const name = await this.freeName(
      `${this.spec.tablePrefix}${group.name}`,
      group.name.endsWith('_v'),
    );
    const table = await this.catalog.createTable(`${this.spec.database}.${name}`, {
      kind: 'external',
      format: group.format,
      location: group.root,
      columns: [...columns, ...partitionColumns].map(toColumn),
      partitionColumns: group.partitionNames,
      properties: {
        ...group.properties,
        crawler: this.crawler,
        record_counts: group.format === 'parquet' ? 'exact' : 'unknown',
      },
    });
    const record: CrawlerTableRecord = {
      tableId: table.id,
      root: group.root,
      format: group.format,
      state: 'active',
    };
    await this.store.setTable(this.crawler, record);
    const schema = await this.catalog.schema(table);
    const live: LiveTable = { record, table, schema, files: new Map(), partitions: new Set() };
    this.live.push(live);
    this.summary.tablesCreated.push(table.fullName);
    this.report(table.fullName, group.changes);
    this.queue(table, live, group.files, undefined, true);
    return table;
  }

  private async freeName(wanted: string, versioned: boolean): Promise<string> {
    for (let n = versioned ? 2 : 1; ; n++) {
      const name = versioned ? `${wanted}${n}` : n === 1 ? wanted : `${wanted}_${n}`;
      if (!(await this.catalog.findTable(`${this.spec.database}.${name}`))) return name;
    }
  }

  private queue(
    table: Table,
    live: LiveTable,
    files: PlacedFile[],
    schema?: PendingCommit['schema'],
    created = false,
  ): void {
    const pending = this.pendingFor(table, live, created);
    pending.add.push(...files);
    if (schema) pending.schema = schema;
  }

  private pendingFor(table: Table, live?: LiveTable, created = false): PendingCommit {
    let pending = this.pending.get(table.id);
    if (!pending) {
      pending = { live, table, created, add: [], removeIds: [] };
      this.pending.set(table.id, pending);
    }
    return pending;
  }

  private partitionColumns(group: TableGroup): ProbedColumn[] {
    return group.partitionNames.map((name) => ({
      name,
      type: partitionType(group.files.map((f) => f.partitionValues[name] ?? null)),
      nullable: group.files.some((f) => f.partitionValues[name] == null),
    }));
  }

  private newPartitions(pending: PendingCommit): number {
    const added = new Set(pending.add.map((f) => JSON.stringify(f.partitionValues)));
    return [...added].filter((key) => key !== '{}' && !pending.live?.partitions.has(key)).length;
  }

  private report(table: string, changes: ColumnChange[], detail?: string): void {
    for (const change of changes) {
      this.summary.schemaChanges.push({
        table,
        kind: change.kind,
        column: change.column,
        ...(change.from ? { from: change.from } : {}),
        ...(change.to ? { to: change.to } : {}),
        ...(detail ? { detail } : {}),
      });
    }
  }
}

function dataColumns(schema: TableSchema): ProbedColumn[] {
  const partitions = new Set(schema.partitionColumns);
  return schema.columns
    .filter((c) => !partitions.has(c.name))
    .map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function toColumn(column: ProbedColumn): Column {
  return { name: column.name, type: column.type, nullable: column.nullable };
}

function toDataFile(file: PlacedFile): NewDataFile {
  return {
    path: file.key,
    format: file.format,
    // Unknown for CSV and JSON without reading every row: recorded as 0, and the table's
    // `record_counts` property says `unknown` (see docs/crawl.md).
    recordCount: file.rowCount ?? 0,
    fileSize: file.size,
    partitionValues: file.partitionValues,
    columnStats: [],
  };
}
