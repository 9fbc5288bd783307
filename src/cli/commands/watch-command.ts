import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_SETTLE_MS,
  type ObjectScanCounts,
} from '../../events/object-scan/object-scanner.js';
import { scanSummary } from '../../events/object-scan/scan-summary.js';
import { CliContext } from '../cli-context.js';
import { shutdownSignals } from '../shutdown-signals.js';
import { logLines } from '../log-lines.js';

interface WatchOptions {
  once?: boolean;
  every?: number;
  logFormat: 'text' | 'json';
}

/** How long `--once` waits before looking again at objects that were still changing. */
const SETTLE_WAIT_MS = DEFAULT_SETTLE_MS + 100;

export function watchCommand(): Command {
  return new Command('watch')
    .description(
      'raise object.created and object.removed for objects that reach a zone by other means than the lake, until SIGTERM',
    )
    .option('--once', 'scan every zone once, print what was found, and exit')
    .option(
      '--every <seconds>',
      'list every zone again this often (default: events.scanEverySec, 30)',
      positive('--every'),
    )
    .addOption(
      new Option('--log-format <format>', 'one line per scan that found something')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addHelpText(
      'after',
      '\nA local zone is watched for changes and scanned soon after one; every zone (all an\nS3 lake gets) is also listed every --every seconds. The first scan of a zone records what\nis there without events. A file changed within the last 2 s is announced only once it\nhas stayed the same for 2 s, so a file still being copied is not announced half-written.\n`lakebox serve` does the same unless "events": { "watchObjects": false }.\nSIGTERM or SIGINT stops after the scan in flight. With --json (or --log-format json),\none JSON object per line.',
    )
    .action(async (opts: WatchOptions, command: Command) => {
      const context = CliContext.of(command);
      const json = opts.logFormat === 'json' || context.output.json;
      const log = logLines(json);
      if (opts.once) {
        const lake = await context.lake();
        let counts = await lake.scanObjects();
        // A file copied just now needs a second look; one more, past the settle time, settles most.
        if (counts.unsettled > 0) {
          await new Promise((resolve) => setTimeout(resolve, SETTLE_WAIT_MS));
          const again = await lake.scanObjects();
          counts = { ...sum(counts, again), listed: again.listed, unsettled: again.unsettled };
        }
        const text = scanSummary(counts, true) ?? `nothing new among ${counts.listed} object(s)`;
        if (json) context.output.data(counts);
        else context.output.line(`${text[0]!.toUpperCase()}${text.slice(1)}.`);
        return;
      }
      const signals = shutdownSignals();
      const lake = await context.lake();
      let failed = false;
      const watcher = await lake.watchObjects({
        ...(opts.every ? { rescanEveryMs: opts.every * 1000 } : {}),
        onScan: (counts) => {
          const text = scanSummary(counts);
          if (text) log('objects.scanned', { ...counts }, `Objects: ${text}.`);
        },
        onError: (error) => {
          failed = true;
          log(
            'objects.scan_failed',
            { message: String(error) },
            `Scanning the zones failed: ${String(error)}`,
          );
        },
      });
      const every = opts.every ?? lake.config.events.scanEverySec;
      log(
        'started',
        { pid: process.pid, everySec: every },
        `lakebox watch is up (pid ${process.pid}), listing every zone every ${every} s${failed ? ' (the first scan failed)' : ''}; SIGTERM to stop.`,
      );
      const signal = await signals.first;
      log('stopping', { signal }, `${signal}: stopping after the scan in flight.`);
      await watcher.stop();
      signals.dispose();
      log('stopped', {}, 'lakebox watch stopped.');
    });
}

function sum(a: ObjectScanCounts, b: ObjectScanCounts): ObjectScanCounts {
  return {
    listed: a.listed + b.listed,
    created: a.created + b.created,
    changed: a.changed + b.changed,
    removed: a.removed + b.removed,
    baselined: a.baselined + b.baselined,
    unsettled: a.unsettled + b.unsettled,
  };
}

function positive(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} must be a number of seconds, at least 1.`);
    }
    return n;
  };
}
