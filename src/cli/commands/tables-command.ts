import { Command } from 'commander';
import { CliContext } from '../cli-context.js';
import { withTableMaintenance } from './table-maintenance-command.js';
import { formatBytes } from '../output.js';
import { parseAsOf } from '../as-of.js';

export function tablesCommand(): Command {
  return new Command('tables')
    .description('list tables, in one database or in all')
    .argument('[database]', 'only this database')
    .action(async (database: string | undefined, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const tables = await lake.listTables(database);
      const rows = await Promise.all(
        tables.map(async (table) => {
          const snapshot =
            table.currentSnapshotId === null ? null : await lake.snapshot(table.currentSnapshotId);
          return {
            table: table.fullName,
            kind: table.kind,
            format: table.format,
            rows: snapshot?.recordCount ?? 0,
            files: snapshot?.fileCount ?? 0,
            size: context.output.json
              ? (snapshot?.totalBytes ?? 0)
              : formatBytes(snapshot?.totalBytes ?? 0),
            snapshot: table.currentSnapshotId,
            updated: (snapshot?.committedAt ?? table.createdAt).toISOString(),
          };
        }),
      );
      if (rows.length === 0 && !context.output.json)
        return context.output.line('No tables yet. Load one with: lakebox load DB.TABLE FILE');
      context.output.table(rows);
    });
}

export function tableCommand(): Command {
  return withTableMaintenance(new Command('table'))
    .description('show a table: schema, partitions and current snapshot')
    .argument('<table>', 'DATABASE.TABLE')
    .option('--as-of <snapshot|time>', 'as of a snapshot id or an ISO time')
    .option('--files', 'list every data file (default: the first 20)')
    .action(async (name: string, opts: { asOf?: string; files?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const { table, schema, snapshot, partitions } = await lake.describeTable(
        name,
        parseAsOf(opts.asOf),
      );
      const [files, schemaHistory] = await Promise.all([
        lake.tableFiles(name, snapshot?.id),
        lake.schemaHistory(name),
      ]);
      if (context.output.json)
        return context.output.data({ table, schema, snapshot, partitions, files, schemaHistory });
      const out = context.output;
      out.fields(table.fullName, {
        kind: table.kind,
        format: table.format,
        location: table.location,
        description: table.description ?? undefined,
        snapshot: snapshot
          ? `${snapshot.id} (${snapshot.operation}, ${snapshot.committedAt.toISOString()})`
          : 'none (empty table)',
        rows: snapshot?.recordCount ?? 0,
        files: snapshot?.fileCount ?? 0,
        size: formatBytes(snapshot?.totalBytes ?? 0),
        'schema version': schema.version,
        'partitioned by': schema.partitionColumns.join(', ') || '(none)',
      });
      out.line();
      out.table(
        schema.columns.map((c) => ({
          column: c.name,
          type: c.type,
          nullable: c.nullable ? 'yes' : 'no',
          description: c.description ?? '',
        })),
      );
      if (partitions.length > 0) {
        out.line();
        out.table(
          partitions.slice(0, 100).map((p) => ({
            partition: Object.entries(p.values)
              .map(([k, v]) => `${k}=${v ?? 'null'}`)
              .join('/'),
            files: p.fileCount,
            rows: p.recordCount,
            size: formatBytes(p.bytes),
          })),
        );
        if (partitions.length > 100)
          out.line(`... and ${partitions.length - 100} more partitions (use --json for all)`);
      }
      if (files.length > 0) {
        const shown = opts.files ? files : files.slice(0, 20);
        out.line();
        out.line('Files:');
        out.table(
          shown.map((f) => ({
            file: f.path,
            partition: Object.entries(f.partitionValues)
              .map(([k, v]) => `${k}=${v ?? 'null'}`)
              .join('/'),
            rows: table.properties['record_counts'] === 'unknown' ? '?' : f.recordCount,
            size: formatBytes(f.fileSize),
            'since snapshot': f.beginSnapshot,
          })),
        );
        if (shown.length < files.length)
          out.line(`... and ${files.length - shown.length} more files (use --files or --json)`);
      }
      if (schemaHistory.length > 1) {
        out.line();
        out.line('Schema history:');
        out.table(
          schemaHistory.map((s) => ({
            version: s.version,
            created: s.createdAt.toISOString(),
            columns: s.columns.map((c) => `${c.name} ${c.type}`).join(', '),
            'partitioned by': s.partitionColumns.join(', '),
          })),
        );
      }
    });
}

export function historyCommand(): Command {
  return new Command('history')
    .description("list a table's snapshots, newest first")
    .argument('<table>', 'DATABASE.TABLE')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10))
    .action(async (name: string, opts: { limit?: number }, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const snapshots = await lake.history(name, { limit: opts.limit });
      if (context.output.json) return context.output.data(snapshots);
      context.output.table(
        snapshots.map((s) => ({
          snapshot: s.id,
          parent: s.parentId ?? '',
          committed: s.committedAt.toISOString(),
          operation: s.operation,
          'rows +': s.summary.addedRecords,
          'rows -': s.summary.removedRecords,
          'files +': s.summary.addedFiles,
          'files -': s.summary.removedFiles,
          'total rows': s.recordCount,
          expired: s.expiredAt ? s.expiredAt.toISOString() : '',
        })),
      );
    });
}
