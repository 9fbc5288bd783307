import { Command } from 'commander';
import { deliveryText } from '../../triggers/delivery-text.js';
import { CliContext } from '../cli-context.js';
import { shutdownSignals } from '../shutdown-signals.js';

/** `lakebox dispatch`: the trigger dispatcher alone, as `lakebox serve` runs it. */
export function dispatchCommand(): Command {
  return new Command('dispatch')
    .description('deliver events to triggers until SIGTERM (lakebox serve does this too)')
    .option('--once', 'deliver what is pending, print the count and exit')
    .addHelpText(
      'after',
      '\nDelivery is at least once and starts a target once per (trigger, event): a dispatcher\nrestarted after a crash resumes where its cursor stopped. On PostgreSQL metadata several\nmay run; one delivers (an advisory lock), the others take over when it dies. With --json,\none JSON object per line.',
    )
    .action(async (opts: { once?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      const out = context.output;
      const say = (event: Record<string, unknown>, text: string): void =>
        out.json ? out.data({ ts: new Date(), ...event }) : out.line(text);
      const signals = shutdownSignals();
      const lake = await context.lake();
      // Runs the targets were given are performed here (an embedded lake): those a killed
      // dispatcher left queued too.
      await lake.hostStrandedRuns();
      const dispatcher = lake.triggers.dispatcher({
        onDelivery: (note) =>
          say({ event: `delivery.${note.status}`, ...note }, deliveryText(note)),
        onLeader: (leading) =>
          say(
            { event: leading ? 'leader.acquired' : 'leader.lost' },
            leading ? 'Delivering events (leader).' : 'No longer delivering (lost the lead).',
          ),
        onError: (error) =>
          say(
            { event: 'dispatch.error', message: String(error) },
            `Dispatch failed: ${String(error)}`,
          ),
      });
      if (opts.once) {
        const read = await dispatcher.drain();
        signals.dispose();
        return say({ event: 'drained', events: read }, `Read ${read} event(s).`);
      }
      dispatcher.start();
      say(
        { event: 'started', pid: process.pid },
        `lakebox dispatch is up (pid ${process.pid}); SIGTERM to stop.`,
      );
      const signal = await signals.first;
      await dispatcher.stop();
      signals.dispose();
      say({ event: 'stopped', signal }, `${signal}: lakebox dispatch stopped.`);
    });
}
