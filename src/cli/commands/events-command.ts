import { Command } from 'commander';
import { EventTail } from '../../events/event-tail.js';
import { CliContext } from '../cli-context.js';
import { shutdownSignals } from '../shutdown-signals.js';

export function eventsCommand(): Command {
  return new Command('events')
    .addCommand(tailCommand())
    .description('list events from the lake’s event log, oldest first')
    .option('--type <pattern>', 'event type or glob, e.g. object.* or table.committed')
    .option('--after <id>', 'only events after this id', (v) => Number.parseInt(v, 10))
    .option(
      '--limit <n>',
      'at most this many (the newest, unless --after is given)',
      (v) => Number.parseInt(v, 10),
      100,
    )
    .action(async (opts: { type?: string; after?: number; limit: number }, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      let events = await lake.listEvents({
        type: opts.type,
        after: opts.after,
        limit: opts.limit,
        newestFirst: opts.after === undefined,
      });
      if (opts.after === undefined) events = events.reverse();
      if (context.output.json) return context.output.data(events);
      if (events.length === 0) return context.output.line('No events.');
      context.output.table(
        events.map((e) => ({
          id: e.id,
          time: e.createdAt.toISOString(),
          type: e.type,
          subject: e.subject ?? '',
          payload: e.payload,
        })),
        ['id', 'time', 'type', 'subject'],
      );
    });
}

function tailCommand(): Command {
  return new Command('tail')
    .description('follow the event log live, across processes, until SIGINT or SIGTERM')
    .option('--type <pattern>', 'event type or glob, e.g. object.* or table.committed')
    .option('--after <id>', 'start after this id (default: the newest event)', (v) =>
      Number.parseInt(v, 10),
    )
    .action(async (_opts: unknown, command: Command) => {
      // `events` has the same options; commander gives them to it, wherever they stand.
      const opts = command.optsWithGlobals<{ type?: string; after?: number }>();
      const context = CliContext.of(command);
      const out = context.output;
      const signals = shutdownSignals();
      const lake = await context.lake();
      const tail = new EventTail(lake.events, {
        type: opts.type,
        after: opts.after,
        onError: (error) => process.stderr.write(`lakebox: ${String(error)}\n`),
      });
      tail.on((event) =>
        out.json
          ? out.data(event)
          : out.line(
              `${event.id} ${event.createdAt.toISOString()} ${event.type} ${event.subject ?? ''} ${JSON.stringify(event.payload)}`,
            ),
      );
      tail.start();
      await signals.first;
      await tail.stop();
      signals.dispose();
    });
}
