import { Command, InvalidArgumentError, Option } from 'commander';
import { serve } from '../../server/serve.js';
import { CliContext } from '../cli-context.js';
import { shutdownSignals } from '../shutdown-signals.js';
import { logLines } from '../log-lines.js';

interface ServeCommandOptions {
  host: string;
  port: number;
  concurrency: number;
  drainTimeout: number;
  logFormat: 'text' | 'json';
}

export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'run the lake: executor, schedules, event dispatch and /healthz, /readyz over HTTP',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', port, 8080)
    .option(
      '--concurrency <n>',
      'runs performed at once by this process',
      whole('--concurrency', 1),
      4,
    )
    .option(
      '--drain-timeout <seconds>',
      'on SIGTERM, how long runs in flight may take before they are handed back',
      whole('--drain-timeout', 1),
      30,
    )
    .addOption(
      new Option('--log-format <format>', 'one line per notable thing, for people or machines')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addHelpText(
      'after',
      '\nOn PostgreSQL metadata run several: one schedules (an advisory lock), the others take\nover when it dies. SIGTERM or SIGINT drains (a second signal hands runs back at once).',
    )
    .action(async (opts: ServeCommandOptions, command: Command) => {
      const context = CliContext.of(command);
      const json = opts.logFormat === 'json' || context.output.json;
      const log = logLines(json);
      const signals = shutdownSignals();
      const lake = await context.lake();
      const running = await serve(lake, {
        host: opts.host,
        port: opts.port,
        concurrency: opts.concurrency,
        drainTimeoutMs: opts.drainTimeout * 1000,
        log,
      });
      log(
        'started',
        { pid: process.pid, mode: lake.config.executor.mode },
        `lakebox serve is up (pid ${process.pid}); SIGTERM to stop.`,
      );
      const signal = await signals.first;
      log(
        'stopping',
        { signal },
        `${signal}: draining (runs in flight get ${opts.drainTimeout} s).`,
      );
      await running.stop({ handBackNow: signals.again });
      signals.dispose();
      log('stopped', {}, 'lakebox serve stopped.');
    });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('--port must be a whole number from 0 to 65535.');
  }
  return n;
}

function whole(flag: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${flag} must be a whole number of at least ${min}.`);
    }
    return n;
  };
}
