import { Command, Option } from 'commander';
import type { ErrorCode } from '../../errors/lake-error.js';
import { LakeError } from '../../errors/lake-error.js';
import type { Lake } from '../../lake.js';
import type { SyncExecution, SyncOutcome, SyncTaskSpec } from '../../migrate/files/sync-types.js';
import { backgroundChildOption, runForParent, startInBackground } from '../background-start.js';
import { CliContext } from '../cli-context.js';
import { ExitCode } from '../exit-code.js';
import { formatBytes, formatDuration } from '../output.js';
import { followWithProgress, type ProgressFrame } from '../progress/follow-with-progress.js';

interface SpecOptions {
  from: string;
  to: string;
  include?: string[];
  exclude?: string[];
  transferMode?: 'changed' | 'all';
  compare?: 'size-mtime' | 'checksum';
  verify?: 'none' | 'transferred' | 'all';
  overwrite?: 'always' | 'never';
  deleted?: 'keep' | 'mirror';
  preserveMtime?: boolean;
  concurrency?: number;
  bwlimit?: number;
  fsync?: boolean;
  schedule?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  s3PathStyle?: boolean;
}

/** `lakebox sync ...`: sync tasks and executions (DataSync). */
export function syncCommand(): Command {
  const sync = new Command('sync').description(
    'move file trees (local directories, S3 prefixes, lake prefixes) into the lake, incrementally and verified',
  );
  sync.addCommand(
    withSpecOptions(new Command('create'))
      .description('record a sync task')
      .argument('<name>', 'task name')
      .option('--schedule <cron>', 'cron expression, for the scheduler')
      .action(async (name: string, opts: SpecOptions, command: Command) => {
        const context = CliContext.of(command);
        const task = await (await context.lake()).sync.createTask(name, spec(opts));
        if (context.output.json) return context.output.data(task);
        context.output.line(`Created sync task ${task.name}.`);
      }),
  );
  sync.addCommand(
    new Command('start')
      .description('start an execution of a task (prints its id; --wait follows it to the end)')
      .argument('<name>', 'task name')
      .option('--wait', 'wait for the execution to end, with a progress bar on a terminal')
      .addOption(backgroundChildOption())
      .addHelpText(
        'after',
        '\nWithout --wait the execution id is printed at once and the execution goes on in a\ndetached process. Follow it with lakebox sync status ID or lakebox run ID.',
      )
      .action(
        async (
          name: string,
          opts: { wait?: boolean; backgroundChild?: boolean },
          command: Command,
        ) => {
          const context = CliContext.of(command);
          const lake = await context.lake();
          if (opts.backgroundChild)
            return runForParent(
              () => lake.sync.start(name),
              (id) => lake.sync.wait(id),
            );
          if (!opts.wait) {
            await lake.sync.getTask(name);
            const { runId } = await startInBackground(
              context.lakeDir,
              ['sync', 'start', name],
              `sync task ${name}`,
            );
            if (context.output.json) return context.output.data(await lake.sync.status(runId));
            return context.output.line(runId);
          }
          await follow(context, lake, (await lake.sync.start(name)).id);
        },
      ),
  );
  sync.addCommand(
    withSpecOptions(new Command('run'))
      .description('one-shot sync without a task record; waits for the end')
      .action(async (opts: SpecOptions, command: Command) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        const run = await lake.sync.startCopy(spec(opts));
        await follow(context, lake, run.id);
      }),
  );
  sync.addCommand(
    new Command('status')
      .description("an execution's status, phase, counters, throughput and ETA")
      .argument('<execution-id>', 'the execution (run) id')
      .action(async (id: string, _opts: unknown, command: Command) => {
        const context = CliContext.of(command);
        const execution = await (await context.lake()).sync.status(id);
        if (context.output.json) return context.output.data(execution);
        context.output.fields(`Sync execution ${execution.id}`, describe(execution));
      }),
  );
  sync.addCommand(
    new Command('list')
      .description('list sync tasks')
      .action(async (_opts: unknown, command: Command) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        const tasks = await lake.sync.listTasks();
        if (context.output.json) return context.output.data(tasks);
        if (tasks.length === 0) return context.output.line('No sync tasks.');
        const { describeLocation } = await import('../../migrate/files/sync-location.js');
        context.output.table(
          tasks.map((task) => ({
            name: task.name,
            from: describeLocation(task.source),
            to: describeLocation(task.destination),
            schedule: task.schedule ?? '',
            options: `${task.options.transferMode}, verify ${task.options.verify}, ${task.options.deleted}`,
          })),
        );
      }),
  );
  sync.addCommand(
    new Command('report')
      .description("an execution's per-file report (unchanged files are counted, not listed)")
      .argument('<execution-id>', 'the execution (run) id')
      .addOption(
        new Option('--outcome <outcome>', 'only lines with this outcome').choices([
          'transferred',
          'skipped',
          'failed',
          'deleted',
          'verify_failed',
        ]),
      )
      .option('--limit <n>', 'at most this many lines', (v) => Number.parseInt(v, 10), 1000)
      .action(
        async (id: string, opts: { outcome?: SyncOutcome; limit: number }, command: Command) => {
          const context = CliContext.of(command);
          const entries = await (await context.lake()).sync.report(id, opts);
          if (context.output.json) return context.output.data(entries);
          if (entries.length === 0) return context.output.line('No files in the report.');
          context.output.table(
            entries.map((e) => ({
              path: e.path,
              outcome: e.outcome,
              bytes: e.bytes,
              code: e.code ?? '',
              message: e.message ?? '',
            })),
          );
        },
      ),
  );
  sync.addCommand(
    new Command('cancel')
      .description('cancel an execution; start the task again to resume')
      .argument('<execution-id>', 'the execution (run) id')
      .action(async (id: string, _opts: unknown, command: Command) => {
        const context = CliContext.of(command);
        const execution = await (await context.lake()).sync.cancel(id);
        if (context.output.json) return context.output.data(execution);
        context.output.line(`Cancel requested for ${id} (${execution.status}).`);
      }),
  );
  sync.addCommand(
    new Command('delete')
      .description('delete a sync task record (its executions and reports stay)')
      .argument('<name>', 'task name')
      .action(async (name: string, _opts: unknown, command: Command) => {
        const context = CliContext.of(command);
        await (await context.lake()).sync.deleteTask(name);
        if (!context.output.json) context.output.line(`Deleted sync task ${name}.`);
      }),
  );
  for (const command of sync.commands) command.exitOverride();
  return sync;
}

function withSpecOptions(command: Command): Command {
  return command
    .requiredOption(
      '--from <location>',
      'source: a directory, s3://bucket/prefix or lake://zone/prefix',
    )
    .requiredOption(
      '--to <location>',
      'destination: a directory, s3://bucket/prefix or lake://zone/prefix',
    )
    .option('--include <glob>', 'only files matching (repeatable)', collect)
    .option(
      '--exclude <glob>',
      'leave out files matching (repeatable; wins over --include)',
      collect,
    )
    .addOption(
      new Option('--transfer-mode <mode>', 'changed files only, or all').choices([
        'changed',
        'all',
      ]),
    )
    .addOption(
      new Option('--compare <how>', 'how "changed" is decided').choices(['size-mtime', 'checksum']),
    )
    .addOption(
      new Option('--verify <what>', 'checksums compared after transfer').choices([
        'none',
        'transferred',
        'all',
      ]),
    )
    .addOption(
      new Option('--overwrite <when>', 'replace existing destination files').choices([
        'always',
        'never',
      ]),
    )
    .addOption(
      new Option('--deleted <how>', 'destination files gone from the source').choices([
        'keep',
        'mirror',
      ]),
    )
    .option(
      '--no-preserve-mtime',
      'do not give local destination files the source modification time',
    )
    .option('--concurrency <n>', 'files in flight at once', (v) => Number.parseInt(v, 10))
    .option('--bwlimit <rate>', 'bandwidth limit in bytes/s (suffixes K, M, G)', parseRate)
    .option('--fsync', 'fsync each local destination file before it becomes visible')
    .option('--s3-endpoint <url>', 'S3 endpoint for an s3:// location (MinIO, R2, ...)')
    .option('--s3-region <region>', 'S3 region (default us-east-1)')
    .option('--s3-access-key-id <id>', 'access key id, or ${env:NAME}')
    .option('--s3-secret-access-key <ref>', 'secret access key as ${env:NAME} (never a literal)')
    .option('--s3-path-style', 'path-style S3 URLs (default when an endpoint is given)')
    .addHelpText(
      'after',
      "\nExamples:\n  lakebox sync run --from ./exports --to lake://raw/exports --verify all\n  lakebox sync create logs --from s3://logs/2026 --to lake://raw/logs --s3-endpoint http://127.0.0.1:9000 \\\n    --s3-access-key-id '${env:S3_KEY}' --s3-secret-access-key '${env:S3_SECRET}' --deleted mirror",
    );
}

function spec(opts: SpecOptions): SyncTaskSpec {
  const options = Object.fromEntries(
    Object.entries({
      transferMode: opts.transferMode,
      compare: opts.compare,
      verify: opts.verify,
      overwrite: opts.overwrite,
      deleted: opts.deleted,
      preserveMtime: opts.preserveMtime === false ? false : undefined,
      concurrency: opts.concurrency,
      bandwidthLimit: opts.bwlimit,
      fsync: opts.fsync,
    }).filter(([, v]) => v !== undefined),
  );
  const s3 = Object.fromEntries(
    Object.entries({
      endpoint: opts.s3Endpoint,
      region: opts.s3Region,
      accessKeyId: opts.s3AccessKeyId,
      secretAccessKey: opts.s3SecretAccessKey,
      forcePathStyle: opts.s3PathStyle,
    }).filter(([, v]) => v !== undefined),
  );
  return {
    from: opts.from,
    to: opts.to,
    include: opts.include,
    exclude: opts.exclude,
    options,
    schedule: opts.schedule,
    s3,
  };
}

/** Waits for an execution with a progress bar on a terminal, prints how it ended, sets the exit code. */
async function follow(context: CliContext, lake: Lake, id: string): Promise<void> {
  if (!context.output.json && !process.stderr.isTTY)
    process.stderr.write(`Sync execution ${id} started...\n`);
  // The bar stays on the terminal: its last frame, drawn after the end, shows how it ended.
  const execution = await followWithProgress({
    work: lake.sync.wait(id),
    poll: async () => frame(await lake.sync.status(id)),
    format: '{phase} |{bar}| {percentage}% {done}/{size} {files} files, {rate}/s, ETA {eta_text}',
    enabled: !context.output.json,
  });
  if (execution.status === 'failed') {
    throw new LakeError(
      (execution.error?.code ?? 'INTERNAL') as ErrorCode,
      `${execution.error?.message ?? 'the sync failed'} (execution ${id})`,
    );
  }
  if (context.output.json) context.output.data(execution);
  else context.output.line(summary(execution));
  if (execution.status === 'succeeded_with_errors') {
    if (!context.output.json)
      process.stderr.write(
        `lakebox: ${execution.filesFailed} file(s) failed; see \`lakebox sync report ${id} --outcome failed\`.\n`,
      );
    process.exitCode = ExitCode.partial;
  }
  if (execution.status === 'cancelled') process.exitCode = ExitCode.cancelled;
}

function frame(e: SyncExecution): ProgressFrame {
  const size = Math.max(e.bytesFound - e.bytesSkipped, 0);
  return {
    value: e.phase === 'done' ? Math.max(size, 1) : e.bytesTransferred,
    total: Math.max(size, 1),
    payload: {
      phase: e.phase.padEnd(12),
      done: formatBytes(e.bytesTransferred),
      size: formatBytes(size),
      files: `${e.filesTransferred}/${e.filesFound}`,
      rate: formatBytes(e.bytesPerSecond),
      eta_text: e.etaSeconds === null ? '-' : formatDuration(e.etaSeconds * 1000),
    },
  };
}

function summary(e: SyncExecution): string {
  const took =
    e.startedAt && e.endedAt
      ? ` in ${formatDuration(e.endedAt.getTime() - e.startedAt.getTime())}`
      : '';
  return (
    `Sync ${e.status}${took}: ${e.filesFound} files found (${formatBytes(e.bytesFound)}), ` +
    `${e.filesTransferred} transferred (${formatBytes(e.bytesTransferred)}), ${e.filesSkipped} skipped, ` +
    `${e.filesFailed} failed, ${e.filesDeleted} deleted, ${e.filesVerified} verified (execution ${e.id})`
  );
}

function describe(e: SyncExecution): Record<string, unknown> {
  return {
    task: e.task ?? '(one-shot)',
    status: e.status,
    phase: e.phase,
    found: `${e.filesFound} files, ${formatBytes(e.bytesFound)}`,
    transferred: `${e.filesTransferred} files, ${formatBytes(e.bytesTransferred)}`,
    skipped: `${e.filesSkipped} files, ${formatBytes(e.bytesSkipped)}`,
    failed: e.filesFailed,
    deleted: e.filesDeleted,
    verified: e.filesVerified,
    throughput: `${formatBytes(e.bytesPerSecond)}/s`,
    eta: e.etaSeconds === null ? undefined : formatDuration(e.etaSeconds * 1000),
    started: e.startedAt ?? undefined,
    ended: e.endedAt ?? undefined,
    error: e.error ? `${e.error.code}: ${e.error.message}` : undefined,
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parseRate(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(value.trim());
  if (!match)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `--bwlimit ${value}: give bytes per second, e.g. 500K or 10M.`,
    );
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[
    match[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'
  ];
  return Math.round(Number(match[1]) * scale);
}
