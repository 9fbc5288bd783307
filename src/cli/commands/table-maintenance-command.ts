import { Command } from 'commander';
import { LakeError } from '../../errors/lake-error.js';
import { CliContext } from '../cli-context.js';
import { formatBytes } from '../output.js';
import { reportRunEnd } from '../run-report.js';

/** Adds `compact`, `expire` and `vacuum DB.TABLE` (each a recorded run) to `lakebox table`. */
export function withTableMaintenance(table: Command): Command {
  for (const command of tableMaintenanceCommands()) table.addCommand(command.exitOverride());
  return table;
}

function tableMaintenanceCommands(): Command[] {
  const compact = new Command('compact')
    .description('merge the small files of each partition (one snapshot, rows unchanged)')
    .argument('<table>', 'DATABASE.TABLE')
    .option(
      '--small-file-mb <mb>',
      'files below this size are merged (default 64)',
      Number.parseFloat,
    )
    .option(
      '--min-files <n>',
      'only partitions with at least this many small files (default 2)',
      (v) => Number.parseInt(v, 10),
    )
    .action(
      async (name: string, opts: { smallFileMb?: number; minFiles?: number }, command: Command) => {
        const context = CliContext.of(command);
        const run = await (
          await context.lake()
        ).jobs.compact(name, {
          smallFileBytes:
            opts.smallFileMb === undefined ? undefined : opts.smallFileMb * 1024 * 1024,
          minFiles: opts.minFiles,
        });
        reportRunEnd(context, run, (m) =>
          m['snapshotId'] === undefined
            ? `${name}: nothing to compact`
            : `${name}: ${m['filesRemoved']} file(s) in ${m['partitionsCompacted']} partition(s) compacted into ${m['filesWritten']} (${formatBytes(m['bytesWritten'] ?? 0)}): snapshot ${m['snapshotId']}`,
        );
      },
    );

  const expire = new Command('expire')
    .description('mark snapshots older than a time expired, so vacuum can delete their files')
    .argument('<table>', 'DATABASE.TABLE')
    .requiredOption('--older-than <time|days>', 'an ISO time, or a number of days (e.g. 7d)')
    .option('--retain-last <n>', 'always keep the newest N snapshots (default 1)', (v) =>
      Number.parseInt(v, 10),
    )
    .action(
      async (name: string, opts: { olderThan: string; retainLast?: number }, command: Command) => {
        const context = CliContext.of(command);
        const run = await (
          await context.lake()
        ).jobs.expireSnapshots(name, {
          olderThan: parseOlderThan(opts.olderThan),
          retainLast: opts.retainLast,
        });
        reportRunEnd(
          context,
          run,
          (m) => `${name}: ${m['expiredSnapshots'] ?? 0} snapshot(s) expired`,
        );
      },
    );

  const vacuum = new Command('vacuum')
    .description("delete the table's files no live snapshot references")
    .argument('<table>', 'DATABASE.TABLE')
    .option(
      '--grace <minutes>',
      'leave unreferenced files younger than this alone',
      Number.parseFloat,
      60,
    )
    .option('--dry-run', 'list what would be deleted, delete nothing')
    .action(async (name: string, opts: { grace: number; dryRun?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      const run = await (
        await context.lake()
      ).jobs.vacuumTable(name, {
        graceMs: opts.grace * 60_000,
        dryRun: opts.dryRun,
      });
      reportRunEnd(
        context,
        run,
        (m) =>
          `${name}: ${opts.dryRun ? 'would delete' : 'deleted'} ${m['deletedFiles'] ?? 0} file(s), ${formatBytes(m['deletedBytes'] ?? 0)}`,
      );
    });
  return [compact, expire, vacuum];
}

function parseOlderThan(value: string): Date {
  const days = /^(\d+(?:\.\d+)?)d$/.exec(value.trim());
  if (days) return new Date(Date.now() - Number(days[1]) * 86_400_000);
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw new LakeError(
      'INVALID_ARGUMENT',
      `--older-than ${value}: give an ISO time (2026-01-31T00:00:00Z) or days (7d).`,
    );
  return time;
}
