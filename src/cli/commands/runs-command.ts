import { Command, Option } from 'commander';
import { RUN_STATUSES, type RunStatus } from '../../runs/run.js';
import { CliContext } from '../cli-context.js';
import { formatDuration } from '../output.js';

export function runsCommand(): Command {
  return new Command('runs')
    .description('list runs (loads, vacuums, syncs, jobs, ...), newest first')
    .option('--kind <kind>', 'only runs of this kind, e.g. load')
    .addOption(
      new Option('--status <status>', 'only runs in this status').choices([...RUN_STATUSES]),
    )
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 50)
    .action(
      async (opts: { kind?: string; status?: RunStatus; limit: number }, command: Command) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        const runs = await lake.runs.list({
          kind: opts.kind,
          status: opts.status,
          limit: opts.limit,
        });
        if (context.output.json) return context.output.data(runs);
        if (runs.length === 0) return context.output.line('No runs.');
        context.output.table(
          runs.map((run) => ({
            run: run.id,
            kind: run.kind,
            name: run.name ?? '',
            status: run.status,
            attempt: run.attempt,
            created: run.createdAt.toISOString(),
            duration: run.startedAt
              ? formatDuration((run.endedAt ?? new Date()).getTime() - run.startedAt.getTime())
              : '',
            error: run.error ? `${run.error.code}: ${run.error.message}`.slice(0, 80) : '',
          })),
        );
      },
    );
}

export function runCommand(): Command {
  return new Command('run')
    .description('show a run: status, parameters, metrics, error and logs')
    .argument('<run-id>', 'the run id')
    .option('--cancel', 'cancel the run')
    .action(async (runId: string, opts: { cancel?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const run = opts.cancel ? await lake.runs.cancel(runId) : await lake.runs.get(runId);
      const logs = await lake.runs.logs(runId, { limit: 1000 });
      if (context.output.json) return context.output.data({ ...run, logs });
      const out = context.output;
      out.fields(`Run ${run.id}`, {
        kind: run.kind,
        name: run.name ?? undefined,
        status: run.status,
        attempt: `${run.attempt} of ${run.maxAttempts}${run.retryOf ? ` (retry of ${run.retryOf})` : ''}`,
        created: run.createdAt,
        started: run.startedAt ?? undefined,
        ended: run.endedAt ?? undefined,
        duration: run.startedAt
          ? formatDuration((run.endedAt ?? new Date()).getTime() - run.startedAt.getTime())
          : undefined,
        parameters: run.parameters,
        metrics: run.metrics,
        progress: run.progress ?? undefined,
        error: run.error ? `${run.error.code}: ${run.error.message}` : undefined,
      });
      if (logs.length > 0) {
        out.line();
        out.line('Logs:');
        for (const entry of logs)
          out.line(`  ${entry.ts.toISOString()} ${entry.level.padEnd(5)} ${entry.message}`);
      }
    });
}
