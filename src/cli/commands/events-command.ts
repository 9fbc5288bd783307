import { Command } from 'commander';
import { LakeError } from '../../errors/lake-error.js';
import { CliContext } from '../cli-context.js';
import { shutdownSignals } from '../shutdown-signals.js';

export function eventsCommand(): Command {
  return new Command('events')
    .addCommand(tailCommand())
    .addCommand(typesCommand())
    .addCommand(consumersCommand())
    .description('list events from the lake’s event log, oldest first')
    .option('--type <pattern>', 'event type or glob, e.g. object.* or table.committed')
    .option('--after <id>', 'only events after this id', eventId)
    .option(
      '--limit <n>',
      'at most this many (the newest, unless --after is given)',
      (v) => Number.parseInt(v, 10),
      100,
    )
    .action(async (opts: { type?: string; after?: number; limit: number }, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      let events = await lake.events.list({
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
          source: e.source,
          subject: e.subject ?? '',
          payload: e.payload,
        })),
        ['id', 'time', 'type', 'source', 'subject'],
      );
    });
}

function eventId(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 0)
    throw new LakeError('INVALID_ARGUMENT', `--after ${value}: give an event id (a whole number).`);
  return id;
}

function tailCommand(): Command {
  return new Command('tail')
    .description('follow the event log live, across processes, until SIGINT or SIGTERM')
    .option('--type <pattern>', 'event type or glob, e.g. object.* or table.committed')
    .option(
      '--after <id>',
      'start after this event, 0 for the first (default: the newest event)',
      eventId,
    )
    .action(async (_opts: unknown, command: Command) => {
      // `events` has the same options; commander gives them to it, wherever they stand.
      const opts = command.optsWithGlobals<{ type?: string; after?: number }>();
      const context = CliContext.of(command);
      const out = context.output;
      const signals = shutdownSignals();
      const lake = await context.lake();
      let after;
      if (opts.after === 0) {
        after = { tx: 0, id: 0 }; // from the first event
      } else if (opts.after !== undefined) {
        after = await lake.events.positionOf(opts.after);
        if (!after) {
          throw new LakeError(
            'INVALID_ARGUMENT',
            `Event ${opts.after} is not in the log (retention may have deleted it); tail without --after to follow from now.`,
          );
        }
      }
      const tail = lake.events.tail({
        type: opts.type,
        after,
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
      if (!out.json) process.stderr.write('Following the event log; Ctrl-C to stop.\n');
      await signals.first;
      await tail.stop();
      signals.dispose();
    });
}

function typesCommand(): Command {
  return new Command('types')
    .description('list every event type the lake appends')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const types = Object.entries(lake.events.types()).map(([type, meaning]) => ({
        type,
        meaning,
      }));
      if (context.output.json) return context.output.data(types);
      context.output.table(types, ['type', 'meaning']);
    });
}

function consumersCommand(): Command {
  return new Command('consumers')
    .description('list durable event consumers and their cursors; --delete NAME forgets one')
    .option('--delete <name>', 'forget this consumer (retention stops keeping events for it)')
    .action(async (opts: { delete?: string }, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      if (opts.delete !== undefined) {
        if (!(await lake.events.deleteConsumer(opts.delete)))
          throw new LakeError('INVALID_ARGUMENT', `No event consumer is named ${opts.delete}.`);
        return context.output.line(`Deleted event consumer ${opts.delete}.`);
      }
      const consumers = await lake.events.consumers();
      if (context.output.json) return context.output.data(consumers);
      if (consumers.length === 0) return context.output.line('No event consumers.');
      context.output.table(
        consumers.map((c) => ({
          name: c.name,
          'last event': c.position.id,
          updated: c.updatedAt.toISOString(),
        })),
        ['name', 'last event', 'updated'],
      );
    });
}
