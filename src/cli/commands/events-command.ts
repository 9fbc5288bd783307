import { Command } from 'commander';
import { CliContext } from '../cli-context.js';

export function eventsCommand(): Command {
  return new Command('events')
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
