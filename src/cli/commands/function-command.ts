import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import ms from 'ms';
import { LakeError } from '../../errors/lake-error.js';
import type { FunctionVersion } from '../../functions/function-types.js';
import type { Run } from '../../runs/run.js';
import { backgroundChildOption, runForParent, startInBackground } from '../background-start.js';
import { CliContext } from '../cli-context.js';
import { formatDuration } from '../output.js';

function envPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `--env ${value.split('=')[0]}: write it as NAME=VALUE or NAME=\${env:VARIABLE}.`,
    );
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

function duration(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) * 1000 : ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `--timeout ${value} is not a duration; write it as 30s, 500ms or 5m (a bare number is seconds).`,
    );
  return Math.round(parsed);
}

function wholeNumber(option: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value))
      throw new LakeError('INVALID_ARGUMENT', `${option} ${value} is not a whole number.`);
    return Number(value);
  };
}

/** The event of `--event JSON` or `--event-file F` (null without either). */
async function eventOf(opts: { event?: string; eventFile?: string }): Promise<unknown> {
  if (opts.event !== undefined && opts.eventFile !== undefined)
    throw new LakeError('INVALID_ARGUMENT', 'Give --event or --event-file, not both.');
  const text =
    opts.eventFile !== undefined
      ? await readFile(opts.eventFile, 'utf8').catch(() => {
          throw new LakeError('FILE_NOT_FOUND', `Event file ${opts.eventFile} cannot be read.`);
        })
      : opts.event;
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const where = opts.eventFile !== undefined ? `The event file ${opts.eventFile}` : '--event';
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${where} is not JSON (${(error as Error).message}); pass a JSON value such as '{"key":"raw/a.csv"}'.`,
    );
  }
}

/** `lakebox function deploy|list|versions|invoke|logs|delete`. */
export function functionCommand(): Command {
  const fn = new Command('function').description(
    'functions: handlers that react to events, run isolated with limits (Lambda)',
  );

  fn.command('deploy')
    .description('bundle a module exporting handler(event, context) and deploy it as a new version')
    .argument('<file>', 'a TypeScript or JavaScript module')
    .requiredOption('--name <name>', 'the function name')
    .option('--timeout <duration>', 'stop an invocation after this long (default 30s)', duration)
    .option(
      '--memory <mb>',
      'heap limit of each worker, in MB (default 256)',
      wholeNumber('--memory'),
    )
    .option('--concurrency <n>', 'invocations at once (default 4)', wholeNumber('--concurrency'))
    .option(
      '--env <name=value>',
      'an environment variable; secrets as NAME=${env:VARIABLE} (repeatable)',
      envPair,
    )
    .option('--description <text>', 'what the function is for')
    .addHelpText(
      'after',
      '\nA ${env:VARIABLE} reference is stored as written and resolved when the function is\ninvoked, from the environment of the process that runs it; its value is never recorded.\nDeploying the same code with the same settings again makes no new version.',
    )
    .action(
      async (
        file: string,
        opts: {
          name: string;
          timeout?: number;
          memory?: number;
          concurrency?: number;
          env?: Record<string, string>;
          description?: string;
        },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const version = await (
          await context.lake()
        ).functions.deploy(file, {
          name: opts.name,
          timeoutMs: opts.timeout,
          memoryMb: opts.memory,
          concurrency: opts.concurrency,
          env: opts.env,
          description: opts.description,
        });
        if (context.output.json) return context.output.data(version);
        context.output.line(
          `Function ${version.function} is at version ${version.version} (${version.artifactKey}).`,
        );
      },
    );

  fn.command('list')
    .description('functions and their latest versions')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const functions = await (await context.lake()).functions.list();
      if (context.output.json) return context.output.data(functions);
      if (functions.length === 0)
        return context.output.line(
          'No functions. Deploy one with lakebox function deploy FILE --name NAME.',
        );
      context.output.table(
        functions.map((f) => ({
          name: f.name,
          ...versionRow(f.latest),
          description: f.description ?? '',
        })),
      );
    });

  fn.command('versions')
    .description("a function's versions, newest first")
    .argument('<name>', 'function name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const versions = await (await context.lake()).functions.versions(name);
      if (context.output.json) return context.output.data(versions);
      context.output.table(versions.map(versionRow));
    });

  fn.command('invoke')
    .description('invoke a function and print what its handler returned (or queue it with --async)')
    .argument('<name>', 'function name')
    .option('--event <json>', 'the event, a JSON value')
    .option('--event-file <file>', 'a file holding the event as JSON')
    .option('--qualifier <version>', 'a version other than the latest', wholeNumber('--qualifier'))
    .option(
      '--async',
      'queue the invocation (retried twice, then a dead letter) and print its run id',
    )
    .addOption(backgroundChildOption())
    .action(
      async (
        name: string,
        opts: {
          event?: string;
          eventFile?: string;
          qualifier?: number;
          async?: boolean;
          backgroundChild?: boolean;
        },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const event = await eventOf(opts);
        const lake = await context.lake();
        if (opts.backgroundChild)
          return runForParent(
            () => lake.functions.invokeAsync(name, event),
            (runId) => lake.runs.wait(runId),
          );
        if (opts.async) {
          await lake.functions.get(name);
          // The embedded executor runs a run in the process that queues it: one that stays.
          const started = await startInBackground(
            context.lakeDir,
            ['function', 'invoke', name, '--event', JSON.stringify(event), '--async'],
            `function ${name}`,
          );
          const run = await lake.runs.get(started.runId);
          if (context.output.json) return context.output.data(run);
          return context.output.line(
            `Queued invocation ${run.id} of function ${run.name ?? name}; follow it with lakebox function logs ${run.name ?? name} --run ${run.id}`,
          );
        }
        const { run, result } = await lake.functions.invoke(name, event, {
          version: opts.qualifier,
        });
        if (context.output.json) return context.output.data({ run, result: result ?? null });
        context.output.line(result === undefined ? '' : JSON.stringify(result, null, 2));
        process.stderr.write(
          `Invocation ${run.id} succeeded in ${formatDuration(durationOf(run))}.\n`,
        );
      },
    );

  fn.command('invocations')
    .description("a function's invocations (runs), newest first")
    .argument('<name>', 'function name')
    .option('--limit <n>', 'at most this many', wholeNumber('--limit'), 20)
    .action(async (name: string, opts: { limit: number }, command: Command) => {
      const context = CliContext.of(command);
      const runs = await (await context.lake()).functions.invocations(name, { limit: opts.limit });
      if (context.output.json) return context.output.data(runs);
      if (runs.length === 0)
        return context.output.line(`Function ${name} has not been invoked yet.`);
      context.output.table(
        runs.map((run) => ({
          run: run.id,
          status: run.status,
          attempt: `${run.attempt}/${run.maxAttempts}`,
          version: run.parameters['version'],
          started: run.startedAt,
          duration: run.startedAt ? formatDuration(durationOf(run)) : '',
          error: run.error ? `${run.error.code}: ${run.error.message}` : '',
        })),
      );
    });

  fn.command('logs')
    .description("the log of a function's latest invocation, or of one run")
    .argument('<name>', 'function name')
    .option('--run <id>', 'the invocation (run id)')
    .action(async (name: string, opts: { run?: string }, command: Command) => {
      const context = CliContext.of(command);
      const logs = await (await context.lake()).functions.logs(name, { runId: opts.run });
      if (context.output.json) return context.output.data(logs);
      if (logs.length === 0) return context.output.line(`No log lines.`);
      for (const entry of logs)
        context.output.line(`${entry.ts.toISOString()} ${entry.level.padEnd(5)} ${entry.message}`);
    });

  fn.command('delete')
    .description('delete a function and its versions (its invocations stay on record)')
    .argument('<name>', 'function name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      await (await context.lake()).functions.delete(name);
      if (context.output.json) return context.output.data({ deleted: name });
      context.output.line(`Function ${name} is deleted.`);
    });
  return fn;
}

function versionRow(version: FunctionVersion): Record<string, unknown> {
  return {
    version: version.version,
    timeout: formatDuration(version.timeoutMs),
    memory: `${version.memoryMb} MB`,
    concurrency: version.concurrency,
    env: Object.keys(version.env).join(', '),
    deployed: version.createdAt,
  };
}

function durationOf(run: Run): number {
  return (run.endedAt ?? new Date()).getTime() - (run.startedAt ?? run.createdAt).getTime();
}
