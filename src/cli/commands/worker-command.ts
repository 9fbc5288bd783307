import { Command, InvalidArgumentError } from 'commander';
import type { Run } from '../../runs/run.js';
import { CliContext } from '../cli-context.js';
import { formatDuration } from '../output.js';
import { shutdownSignals } from '../shutdown-signals.js';

interface WorkerOptions {
  concurrency: number;
  kinds?: string;
  drainTimeout: number;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('perform runs of a lake that dispatches them to workers, until SIGTERM')
    .option('--concurrency <n>', 'runs performed at once', positive('--concurrency'), 4)
    .option('--kinds <list>', 'only runs of these kinds, comma-separated (default: every kind)')
    .option(
      '--drain-timeout <seconds>',
      'on SIGTERM, how long runs in flight may take to finish before they are handed back',
      positive('--drain-timeout'),
      30,
    )
    .addHelpText(
      'after',
      '\nThe lake needs "executor": { "mode": "workers" } (or LAKEBOX_EXECUTOR=workers) and\nPostgreSQL metadata; start any number of workers, on any machine with the lake\'s config.\nSIGTERM or SIGINT stops taking runs and lets the ones in flight finish; those still\nrunning after --drain-timeout are handed back and retried on another worker. A second\nsignal hands them back at once. A worker that dies is found by its heartbeat expiring.\nWith --json, one JSON object per line: started, run started/ended, stopping, stopped.',
    )
    .action(async (opts: WorkerOptions, command: Command) => {
      const context = CliContext.of(command);
      const out = context.output;
      // Listening from the start: a signal during start-up still drains instead of killing.
      const signals = shutdownSignals();
      const lake = await context.lake();
      const kinds = opts.kinds
        ?.split(',')
        .map((kind) => kind.trim())
        .filter(Boolean);
      const say = (event: Record<string, unknown>, text: string): void =>
        out.json ? out.data({ ts: new Date(), ...event }) : out.line(text);
      const onRun = (event: 'started' | 'ended', run: Run): void =>
        say(
          {
            event: `run.${event}`,
            runId: run.id,
            kind: run.kind,
            name: run.name,
            status: run.status,
            attempt: run.attempt,
          },
          event === 'started'
            ? `started ${run.id} (${run.kind}${run.name ? ` ${run.name}` : ''}, attempt ${run.attempt})`
            : `${run.status} ${run.id} after ${formatDuration((run.endedAt?.getTime() ?? Date.now()) - (run.startedAt?.getTime() ?? Date.now()))}${run.error ? `: ${run.error.code}: ${run.error.message}` : ''}`,
        );

      const worker = await lake.work({ concurrency: opts.concurrency, kinds, onRun });
      say(
        {
          event: 'started',
          worker: worker.id,
          concurrency: opts.concurrency,
          kinds: kinds ?? 'all',
        },
        `Worker ${worker.id} is taking runs of ${kinds?.join(', ') ?? 'every kind'} (concurrency ${opts.concurrency}); SIGTERM to stop.`,
      );
      const signal = await signals.first;
      say(
        { event: 'stopping', signal, drainTimeoutSeconds: opts.drainTimeout },
        `${signal}: finishing the runs in flight (handed back after ${opts.drainTimeout} s).`,
      );
      await worker.stop({ deadlineMs: opts.drainTimeout * 1000, handBackNow: signals.again });
      signals.dispose();
      say({ event: 'stopped', worker: worker.id }, `Worker ${worker.id} stopped.`);
    });
}

function positive(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} must be a whole number of at least 1.`);
    }
    return n;
  };
}
