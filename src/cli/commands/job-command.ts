import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { LakeError } from '../../errors/lake-error.js';
import type { JobSpec } from '../../jobs/job-types.js';
import { backgroundChildOption, runForParent, startInBackground } from '../background-start.js';
import { CliContext } from '../cli-context.js';
import { formatBytes, formatDuration } from '../output.js';
import { reportRunEnd } from '../run-report.js';

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

function param(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new LakeError('INVALID_ARGUMENT', `--param ${value}: write it as NAME=VALUE.`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

interface CreateOptions {
  sql?: string;
  module?: string;
  input?: string[];
  target: string;
  mode?: JobSpec['mode'];
  partitionBy?: string[];
  sortBy?: string[];
  mergeKeys?: string[];
  deleteWhen?: string;
  targetFileSize?: string;
  addColumns?: boolean;
  bookmarks?: boolean;
  param?: Record<string, string>;
  timeout?: number;
  maxConcurrentRuns?: number;
  retries?: number;
  schedule?: string;
  ruleset?: string;
  onFailure?: 'fail' | 'quarantine' | 'warn';
  database?: string;
  description?: string;
  replace?: boolean;
}

/** `lakebox job create|run|runs|logs|bookmark|list|show|delete`. */
export function jobCommand(): Command {
  const job = new Command('job').description(
    'ETL jobs: SQL or TypeScript transforms from lake tables into a table (Glue jobs)',
  );

  job
    .command('create')
    .description('create a job (a TypeScript module is bundled and stored now)')
    .argument('<name>', 'job name')
    .option(
      '--sql <file>',
      'a file holding one SELECT over lake tables, with ${param} placeholders',
    )
    .option('--module <file>', 'a TypeScript module exporting transform(inputs, ctx)')
    .option(
      '--input <tables>',
      'input tables of a TypeScript job (repeatable or comma-separated)',
      list,
    )
    .requiredOption('--target <table>', 'DATABASE.TABLE to write (created on the first run)')
    .addOption(
      new Option('--mode <mode>', 'how the output is written').choices([
        'append',
        'overwrite',
        'overwrite-partitions',
        'merge',
      ]),
    )
    .option('--partition-by <columns>', 'columns or day(ts), month(ts), year(ts), hour(ts)', list)
    .option('--sort-by <columns>', 'sort rows inside each file by these columns', list)
    .option('--merge-keys <columns>', 'key columns of a merge', list)
    .option('--delete-when <sql>', 'merge: output rows matching this predicate delete their key')
    .option('--target-file-size <size>', 'e.g. 256MB (unpartitioned writes)')
    .option('--add-columns', 'add output columns the target lacks')
    .option('--bookmarks', 'read only what was added to the inputs since the last successful run')
    .option('--param <name=value>', 'default parameter value (repeatable)', param)
    .option('--timeout <minutes>', 'stop a run after this long', Number.parseFloat)
    .option('--max-concurrent-runs <n>', 'runs of this job at once (default 1)', (v) =>
      Number.parseInt(v, 10),
    )
    .option('--retries <n>', 'retries of a run failing with a transient error', (v) =>
      Number.parseInt(v, 10),
    )
    .option('--ruleset <name>', 'quality ruleset checked against the output before the commit')
    .addOption(
      new Option('--on-failure <action>', 'what a failed ruleset does').choices([
        'fail',
        'quarantine',
        'warn',
      ]),
    )
    .option('--database <name>', 'the database of unqualified table names in the SQL')
    .option(
      '--schedule <cron>',
      'a cron schedule that lakebox serve fires (CRON_TZ=<zone> first for a time zone)',
    )
    .option('--description <text>', 'what the job is for')
    .option('--replace', 'replace a job of the same name')
    .addHelpText(
      'after',
      '\nExamples:\n  lakebox job create daily --sql daily.sql --target curated.daily --mode overwrite-partitions --partition-by "day(ts)"\n  lakebox job create clean --module clean.ts --input raw.orders --target sales.orders --bookmarks',
    )
    .action(async (name: string, opts: CreateOptions, command: Command) => {
      const context = CliContext.of(command);
      const sql = opts.sql === undefined ? undefined : await readText(opts.sql);
      const lake = await context.lake();
      const created = await lake.jobs.create(name, {
        sql,
        module: opts.module,
        inputs: opts.input,
        target: opts.target,
        mode: opts.mode,
        partitionBy: opts.partitionBy,
        sortBy: opts.sortBy,
        mergeKeys: opts.mergeKeys,
        deleteWhen: opts.deleteWhen,
        targetFileSize: opts.targetFileSize,
        allowAddColumns: opts.addColumns,
        bookmarks: opts.bookmarks,
        parameters: opts.param,
        timeoutMs: opts.timeout === undefined ? undefined : Math.round(opts.timeout * 60_000),
        maxConcurrentRuns: opts.maxConcurrentRuns,
        maxRetries: opts.retries,
        schedule: opts.schedule,
        quality: opts.ruleset ? { ruleset: opts.ruleset, action: opts.onFailure } : undefined,
        database: opts.database,
        description: opts.description,
        replace: opts.replace,
      });
      if (context.output.json) return context.output.data(created);
      context.output.line(
        `Created job ${created.name} (${created.kind}) writing ${created.target} (${created.write.mode})${created.artifact ? `; transform stored at ${created.artifact}` : ''}`,
      );
    });

  job
    .command('run')
    .description(
      'start a run of a job; it runs on in a background process unless --wait (follow it with lakebox run RUN_ID)',
    )
    .argument('<name>', 'job name')
    .option('--param <name=value>', 'a parameter for this run (repeatable)', param)
    .option('--wait', 'run in this process until the run ends, then report it')
    .addOption(backgroundChildOption())
    .addHelpText(
      'after',
      '\nWithout --wait the run id is printed at once and the run goes on in a detached process\n(the embedded executor runs work in the process that starts it). Follow it with\nlakebox run RUN_ID, lakebox job runs NAME or lakebox job logs RUN_ID.',
    )
    .action(
      async (
        name: string,
        opts: { param?: Record<string, string>; wait?: boolean; backgroundChild?: boolean },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        if (opts.backgroundChild)
          return runForParent(
            () => lake.jobs.start(name, { parameters: opts.param }),
            (runId) => lake.runs.wait(runId),
          );
        if (!opts.wait) {
          await lake.jobs.get(name);
          const args = ['job', 'run', name];
          for (const [key, value] of Object.entries(opts.param ?? {}))
            args.push('--param', `${key}=${value}`);
          const started = await startInBackground(context.lakeDir, args, `job ${name}`);
          const run = await lake.runs.get(started.runId);
          if (context.output.json) return context.output.data({ ...run, pid: started.pid });
          return context.output.line(
            `Started run ${run.id} of job ${run.name ?? name} in background process ${started.pid}; follow it with lakebox run ${run.id}`,
          );
        }
        const run = await lake.jobs.run(name, { parameters: opts.param });
        reportRunEnd(context, run, (m) => summary(name, m));
      },
    );

  job
    .command('runs')
    .description("a job's runs, newest first")
    .argument('<name>', 'job name')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 20)
    .action(async (name: string, opts: { limit: number }, command: Command) => {
      const context = CliContext.of(command);
      const runs = await (await context.lake()).jobs.runs(name, { limit: opts.limit });
      if (context.output.json) return context.output.data(runs);
      if (runs.length === 0) return context.output.line(`Job ${name} has not run yet.`);
      context.output.table(
        runs.map((run) => ({
          run: run.id,
          status: run.status,
          attempt: run.attempt,
          started: run.startedAt?.toISOString() ?? '',
          duration: run.startedAt
            ? formatDuration((run.endedAt ?? new Date()).getTime() - run.startedAt.getTime())
            : '',
          'rows read': run.metrics['rowsRead'] ?? '',
          'rows written': run.metrics['rowsWritten'] ?? '',
          error: run.error ? `${run.error.code}: ${run.error.message}`.slice(0, 80) : '',
        })),
      );
    });

  job
    .command('logs')
    .description("a job run's log")
    .argument('<run-id>', 'the run id')
    .action(async (runId: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const logs = await (await context.lake()).jobs.logs(runId, { limit: 10_000 });
      if (context.output.json) return context.output.data(logs);
      for (const entry of logs)
        context.output.line(`${entry.ts.toISOString()} ${entry.level.padEnd(5)} ${entry.message}`);
    });

  const bookmark = job
    .command('bookmark')
    .description("show a job's bookmark, or reset or rewind it")
    .argument('<name>', 'job name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const positions = await (await context.lake()).jobs.bookmark(name);
      if (context.output.json) return context.output.data(positions);
      if (positions.length === 0)
        return context.output.line(
          `Job ${name} has no bookmark: its next run reads its inputs whole.`,
        );
      context.output.table(
        positions.map((p) => ({
          input: p.inputTable,
          snapshot: p.snapshotId ?? '',
          'files consumed': p.filesConsumed,
          run: p.runId,
          updated: p.updatedAt.toISOString(),
        })),
      );
    });
  bookmark
    .command('reset')
    .description('forget the bookmark: the next run reads the inputs whole')
    .argument('<name>', 'job name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      await (await context.lake()).jobs.resetBookmark(name);
      if (context.output.json) return context.output.data({ job: name, reset: true });
      context.output.line(`Bookmark of job ${name} reset.`);
    });
  bookmark
    .command('rewind')
    .description('move the bookmark back so the next run reads again what recent runs read')
    .argument('<name>', 'job name')
    .option('--runs <n>', 'by this many successful runs (default 1)', (v) => Number.parseInt(v, 10))
    .option('--to-run <run-id>', 'to where it stood after this run')
    .action(async (name: string, opts: { runs?: number; toRun?: string }, command: Command) => {
      const context = CliContext.of(command);
      const forgotten = await (await context.lake()).jobs.rewindBookmark(name, opts);
      if (context.output.json) return context.output.data({ job: name, forgotten });
      context.output.line(
        forgotten.length === 0
          ? `Bookmark of job ${name} did not move.`
          : `Bookmark of job ${name} rewound past ${forgotten.length} run(s): ${forgotten.join(', ')}`,
      );
    });

  job
    .command('list')
    .description('list jobs')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const jobs = await (await context.lake()).jobs.list();
      if (context.output.json) return context.output.data(jobs);
      if (jobs.length === 0)
        return context.output.line('No jobs yet. Create one with: lakebox job create');
      context.output.table(
        jobs.map((j) => ({
          job: j.name,
          kind: j.kind,
          target: j.target,
          mode: j.write.mode,
          bookmarks: j.bookmarks ? 'yes' : 'no',
          updated: j.updatedAt.toISOString(),
        })),
      );
    });

  job
    .command('show')
    .description("a job's definition")
    .argument('<name>', 'job name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const found = await (await context.lake()).jobs.get(name);
      if (context.output.json) return context.output.data(found);
      context.output.fields(`Job ${found.name}`, {
        kind: found.kind,
        target: found.target,
        mode: found.write.mode,
        'partitioned by': found.write.partitionBy.join(', ') || undefined,
        'merge keys': found.write.mergeKeys.join(', ') || undefined,
        bookmarks: found.bookmarks ? 'yes' : 'no',
        inputs: found.inputs.join(', ') || undefined,
        transform: found.artifact ?? undefined,
        quality: found.quality
          ? `${found.quality.ruleset} (on failure: ${found.quality.action})`
          : undefined,
        sql: found.sql ?? undefined,
      });
    });

  job
    .command('delete')
    .description('delete a job and its bookmark (its runs stay on record)')
    .argument('<name>', 'job name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      await (await context.lake()).jobs.delete(name);
      if (context.output.json) return context.output.data({ job: name, deleted: true });
      context.output.line(`Deleted job ${name}.`);
    });

  // Usage errors in subcommands throw (exit code 2) instead of exiting the process.
  const override = (command: Command): void => {
    for (const sub of command.commands) override(sub.exitOverride());
  };
  override(job);
  return job;
}

function summary(name: string, m: Record<string, number>): string {
  // CSV and JSON inputs have no row counts until read: say how many files instead.
  const read =
    m['rowsRead'] === undefined ? `${m['filesRead'] ?? 0} file(s)` : `${m['rowsRead']} rows`;
  if (m['snapshotId'] === undefined) return `Job ${name}: nothing new to write (read ${read})`;
  return `Job ${name}: read ${read}, wrote ${m['rowsWritten'] ?? 0} rows in ${m['filesWritten'] ?? 0} file(s) (${formatBytes(m['bytesWritten'] ?? 0)}): snapshot ${m['snapshotId']}${m['quarantinedRows'] ? `, ${m['quarantinedRows']} row(s) quarantined` : ''}`;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new LakeError('FILE_NOT_FOUND', `Cannot read SQL file ${path}: check the path.`);
  }
}
