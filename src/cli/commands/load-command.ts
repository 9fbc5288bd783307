import { Command, Option } from 'commander';
import { CliContext } from '../cli-context.js';
import { formatBytes } from '../output.js';
import { reportRunEnd } from '../run-report.js';
import { LOAD_REJECTS_TABLE } from '../../engine/load-rejects-table.js';

export function loadCommand(): Command {
  return new Command('load')
    .description(
      'load CSV, JSON or Parquet files into a table as one snapshot (creates the table on first load)',
    )
    .argument('<table>', 'DATABASE.TABLE')
    .argument(
      '<files...>',
      'local files: .csv, .tsv, .json, .ndjson, .jsonl, .parquet (optionally .gz)',
    )
    .addOption(
      new Option('--mode <mode>', 'append to the table or replace its contents')
        .choices(['append', 'overwrite'])
        .default('append'),
    )
    .option('--partition-by <columns>', 'comma-separated partition columns', (v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .addOption(
      new Option('--format <format>', 'file format, when the extension does not tell').choices([
        'csv',
        'json',
        'parquet',
      ]),
    )
    .option('--add-columns', 'add columns the files have and the table lacks')
    .option(
      '--rejects',
      'set CSV rows that cannot be read aside in DATABASE.load_rejects (and count them) instead of refusing the load',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  lakebox load sales.orders orders.csv\n  lakebox load sales.orders 2026-*.parquet --mode overwrite --partition-by day',
    )
    .action(
      async (
        table: string,
        files: string[],
        opts: {
          mode: 'append' | 'overwrite';
          partitionBy?: string[];
          format?: 'csv' | 'json' | 'parquet';
          addColumns?: boolean;
          rejects?: boolean;
        },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        if (!context.output.json)
          process.stderr.write(`Loading ${files.length} file(s) into ${table}...\n`);
        const run = await lake.load(table, files, {
          mode: opts.mode,
          partitionBy: opts.partitionBy,
          format: opts.format,
          addColumns: opts.addColumns,
          rejects: opts.rejects,
        });
        reportRunEnd(
          context,
          run,
          (m) =>
            `Loaded ${m['rowsWritten'] ?? 0} rows in ${m['filesWritten'] ?? 0} file(s) (${formatBytes(m['bytesWritten'] ?? 0)}) into ${table}: snapshot ${m['snapshotId']}${rejectedNote(table, m)}`,
        );
      },
    );
}

/** Rows set aside are said in the same line as rows loaded: a load never hides a loss. */
function rejectedNote(table: string, m: Record<string, number>): string {
  if (m['rowsRejected'] === undefined) return '';
  const database = table.split('.')[0]!.toLowerCase();
  return `; ${m['rowsRejected']} row(s) rejected into ${database}.${LOAD_REJECTS_TABLE}`;
}

export function vacuumCommand(): Command {
  return new Command('vacuum')
    .description('delete data files no live snapshot references, and staging leftovers')
    .option(
      '--grace <minutes>',
      'leave unreferenced files younger than this alone',
      (v) => Number.parseFloat(v),
      60,
    )
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .action(async (opts: { grace: number; dryRun?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const run = await lake.vacuum({ graceMs: opts.grace * 60_000, dryRun: opts.dryRun });
      reportRunEnd(
        context,
        run,
        (m) =>
          `${opts.dryRun ? 'Would delete' : 'Deleted'} ${m['deletedFiles'] ?? 0} file(s), ${formatBytes(m['deletedBytes'] ?? 0)}, and ${m['stagingFoldersDeleted'] ?? 0} staging folder(s)`,
      );
    });
}
