import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { Lake } from '../../lake.js';
import type { MigrationType } from '../../migrate/db/migration-task.js';
import type {
  SelectionRule,
  TableMappings,
  TransformationRule,
} from '../../migrate/db/table-mapping.js';
import { LakeError } from '../../errors/lake-error.js';
import { backgroundChildOption, runForParent, startInBackground } from '../background-start.js';
import { CliContext } from '../cli-context.js';
import { ExitCode } from '../exit-code.js';
import { reportRunEnd } from '../run-report.js';
import { followWithProgress, type ProgressFrame } from '../progress/follow-with-progress.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `schema.table` (either may hold % wildcards); a bare name means any schema. */
function tablePattern(text: string): { schema?: string; table: string } {
  const dot = text.lastIndexOf('.');
  return dot < 0 ? { table: text } : { schema: text.slice(0, dot), table: text.slice(dot + 1) };
}

function pair(text: string, option: string): [string, string] {
  const at = text.indexOf('=');
  if (at < 0) throw new LakeError('INVALID_ARGUMENT', `${option} takes FROM=TO, got "${text}".`);
  return [text.slice(0, at), text.slice(at + 1)];
}

export function migrateCommand(): Command {
  const migrate = new Command('migrate').description(
    'database migration tasks: full load and CDC (DMS)',
  );
  migrate
    .command('create')
    .description('create a migration task')
    .argument('<task>', 'task name')
    .requiredOption('--source <name>', 'source name')
    .requiredOption('--target-database <db>', 'lake database the tables go into')
    .addOption(
      new Option('--type <type>', 'migration type')
        .choices(['full-load', 'cdc', 'full-load-and-cdc'])
        .default('full-load'),
    )
    .option('--include <schema.table>', 'include tables (% wildcards); repeatable', collect)
    .option('--exclude <schema.table>', 'exclude tables; repeatable', collect)
    .option('--rename-table <schema.table=new>', 'rename a table; repeatable', collect)
    .option('--prefix <prefix>', 'prefix every target table name')
    .option('--rename-column <schema.table.column=new>', 'rename a column; repeatable', collect)
    .option('--drop-column <schema.table.column>', 'drop a column; repeatable', collect)
    .option(
      '--add-column <schema.table.column=SQL>',
      'add a column from a SQL expression or literal; repeatable',
      collect,
    )
    .option('--mappings <file>', 'table mappings as JSON ({ selection, transformations })')
    .option('--parallel <n>', 'tables loaded at once', (v) => Number.parseInt(v, 10))
    .option('--split-rows <n>', 'split tables larger than this into key ranges', (v) =>
      Number.parseInt(v, 10),
    )
    .option('--batch-seconds <s>', 'CDC batch interval', Number.parseFloat)
    .option('--batch-changes <n>', 'CDC batch size', (v) => Number.parseInt(v, 10))
    .action(async (task: string, opts: Record<string, unknown>, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const mappings: TableMappings = opts['mappings']
        ? (JSON.parse(await readFile(String(opts['mappings']), 'utf8')) as TableMappings)
        : { selection: [], transformations: [] };
      const selection: SelectionRule[] = [
        ...((opts['include'] as string[] | undefined) ?? (opts['mappings'] ? [] : ['%.%'])).map(
          (t) => ({ action: 'include' as const, ...tablePattern(t) }),
        ),
        ...((opts['exclude'] as string[] | undefined) ?? []).map((t) => ({
          action: 'exclude' as const,
          ...tablePattern(t),
        })),
      ];
      const transformations: TransformationRule[] = [];
      for (const t of (opts['renameTable'] as string[] | undefined) ?? []) {
        const [from, to] = pair(t, '--rename-table');
        transformations.push({ action: 'rename-table', ...tablePattern(from), to });
      }
      if (opts['prefix'])
        transformations.push({ action: 'add-prefix', prefix: String(opts['prefix']) });
      const columnRule = (text: string) => {
        const dot = text.lastIndexOf('.');
        return { ...tablePattern(text.slice(0, dot)), column: text.slice(dot + 1) };
      };
      for (const t of (opts['renameColumn'] as string[] | undefined) ?? []) {
        const [from, to] = pair(t, '--rename-column');
        transformations.push({ action: 'rename-column', ...columnRule(from), to });
      }
      for (const t of (opts['dropColumn'] as string[] | undefined) ?? [])
        transformations.push({ action: 'drop-column', ...columnRule(t) });
      for (const t of (opts['addColumn'] as string[] | undefined) ?? []) {
        const [from, expression] = pair(t, '--add-column');
        transformations.push({ action: 'add-column', ...columnRule(from), expression });
      }
      mappings.selection = [...mappings.selection, ...selection];
      mappings.transformations = [...(mappings.transformations ?? []), ...transformations];
      const created = await lake.migrations.create(task, {
        source: String(opts['source']),
        targetDatabase: String(opts['targetDatabase']),
        type: opts['type'] as MigrationType,
        mappings,
        settings: Object.fromEntries(
          [
            ['parallelTables', opts['parallel']],
            ['splitRows', opts['splitRows']],
            ['batchSeconds', opts['batchSeconds']],
            ['batchChanges', opts['batchChanges']],
          ].filter(([, v]) => v !== undefined),
        ),
      });
      if (context.output.json) return context.output.data(created);
      context.output.line(
        `Created migration task ${created.name} (${created.type}) from ${created.source} into ${created.targetDatabase}.`,
      );
    });
  migrate
    .command('list')
    .description('list migration tasks')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const tasks = await lake.migrations.list();
      if (context.output.json) return context.output.data(tasks);
      context.output.table(
        tasks.map((t) => ({
          name: t.name,
          type: t.type,
          source: t.source,
          'target database': t.targetDatabase,
          'latest run': t.runId ?? '',
        })),
      );
    });
  migrate
    .command('start')
    .description('start a task; without --wait it runs on in a background process')
    .argument('<task>', 'task name')
    .option('--wait', 'run in this process until the task ends (CDC: until stopped)')
    .addOption(backgroundChildOption())
    .action(
      async (
        task: string,
        opts: { wait?: boolean; backgroundChild?: boolean },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        if (opts.backgroundChild)
          return runForParent(
            () => lake.migrations.start(task),
            (id) => lake.migrations.wait(id),
          );
        await lake.migrations.get(task);
        if (!opts.wait) {
          // The embedded executor runs work in its own process: a detached one keeps CDC going.
          const started = await startInBackground(
            context.lakeDir,
            ['migrate', 'start', task],
            `migration task ${task}`,
          );
          const run = await lake.runs.get(started.runId);
          if (context.output.json) return context.output.data({ ...run, pid: started.pid });
          return context.output.line(
            `Started ${task} (run ${run.id}) in process ${started.pid}; follow it with lakebox migrate status ${task}.`,
          );
        }
        const run = await lake.migrations.start(task);
        const onSignal = () => void lake.migrations.stop(task);
        process.once('SIGINT', onSignal);
        try {
          const ended = await followWithProgress({
            work: lake.migrations.wait(run.id),
            poll: () => tableFrames(lake, task),
            format: '{table} |{bar}| {value} rows {state}',
            enabled: !context.output.json,
            everyMs: 500,
          });
          reportRunEnd(
            context,
            ended,
            (m) =>
              `Migrated ${m['rowsLoaded'] ?? 0} rows in ${m['tablesLoaded'] ?? 0} table(s)${m['rowsRejected'] ? `, ${m['rowsRejected']} rejected` : ''}`,
          );
        } finally {
          process.off('SIGINT', onSignal);
        }
      },
    );
  migrate
    .command('stop')
    .description('stop a running task (CDC resumes where it stopped on the next start)')
    .argument('<task>', 'task name')
    .action(async (task: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const run = await lake.migrations.stop(task);
      if (context.output.json) return context.output.data(run);
      context.output.line(run ? `Stopping ${task} (run ${run.id}).` : `${task} has never run.`);
    });
  migrate
    .command('delete')
    .description(
      'delete a stopped task and its replication slot and publication (its lake tables stay)',
    )
    .argument('<task>', 'task name')
    .action(async (task: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      await lake.migrations.delete(task);
      if (context.output.json) return context.output.data({ deleted: task });
      context.output.line(
        `Deleted migration task ${task}; its lake tables stay, and creating and starting it again loads them afresh.`,
      );
    });
  migrate
    .command('status')
    .description('per-table state, rows, CDC lag and last LSN')
    .argument('<task>', 'task name')
    .action(async (task: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const status = await lake.migrations.status(task);
      if (context.output.json) return context.output.data(status);
      context.output.line(
        `${status.task.name} (${status.task.type}): ${status.run ? `run ${status.run.id} ${status.run.status}` : 'never run'}${status.task.confirmedLsn ? `, confirmed LSN ${status.task.confirmedLsn}` : ''}`,
      );
      context.output.table(
        status.tables.map((t) => ({
          table: `${t.sourceSchema}.${t.sourceTable}`,
          target: t.targetTable,
          state: t.state,
          rows: t.rowsLoaded,
          rejected: t.rowsRejected,
          changes: t.changesApplied,
          'lag s': t.lagSeconds ?? '',
          'lag bytes': t.lagBytes ?? '',
          'last LSN': t.lastLsn ?? '',
          error: t.error ?? '',
        })),
      );
    });
  migrate
    .command('validate')
    .description('compare row counts and checksums of every table with the source')
    .argument('<task>', 'task name')
    .action(async (task: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const report = await lake.migrations.validate(task);
      if (context.output.json) context.output.data(report);
      else
        context.output.table(
          report.tables.map((t) => ({
            table: t.sourceTable,
            target: t.targetTable,
            'source rows': t.sourceRows,
            'lake rows': t.lakeRows,
            match: t.match ? 'yes' : 'NO',
            'sample keys': t.sampleKeys.slice(0, 5).join(' '),
          })),
        );
      if (!report.ok) process.exitCode = ExitCode.partial;
    });
  return migrate;
}

/** One bar per table (rows loaded) while a task runs. */
async function tableFrames(lake: Lake, task: string): Promise<ProgressFrame[]> {
  const status = await lake.migrations.status(task);
  return status.tables.map((t) => ({
    key: `${t.sourceSchema}.${t.sourceTable}`,
    value: t.rowsLoaded,
    total: t.rowsLoaded,
    payload: {
      table: `${t.sourceSchema}.${t.sourceTable}`,
      state: t.state === 'replicating' ? `replicating, lag ${t.lagSeconds ?? 0}s` : t.state,
    },
  }));
}
