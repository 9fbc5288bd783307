import { Command } from 'commander';
import type { Trigger } from '../../triggers/trigger-kind.js';
import { describePattern } from '../../triggers/trigger-pattern.js';
import { formatTarget } from '../../triggers/trigger-target.js';
import { CliContext } from '../cli-context.js';

interface CreateOptions {
  on: string;
  run: string;
  zone?: string;
  prefix?: string;
  suffix?: string;
  table?: string;
  status?: string;
  input?: string;
  description?: string;
  disabled?: boolean;
}

/** `lakebox trigger create|list|show|enable|disable|delete`. */
export function triggerCommand(): Command {
  const trigger = new Command('trigger').description(
    'triggers: events that match a pattern start a function, job, crawler, sync or migration (EventBridge)',
  );

  trigger
    .command('create')
    .description('create a trigger: a pattern over events and the target it starts')
    .argument('<name>', 'trigger name')
    .requiredOption('--on <type>', 'event type, * as a wildcard (object.created, table.*)')
    .requiredOption(
      '--run <target>',
      'what to start: function:NAME, job:NAME, crawler:NAME, sync:NAME or migration:NAME',
    )
    .option('--zone <zone>', 'only objects in this zone')
    .option('--prefix <prefix>', 'only object keys starting so (within --zone when given)')
    .option('--suffix <suffix>', 'only object keys ending so (such as .csv)')
    .option('--table <db.table>', 'only events about this table (TABLE may be *)')
    .option('--status <status>', 'only runs ending so (run.* events)')
    .option(
      '--input <json>',
      'an input template: JSON with ${detail.key}, ${id}, ${time}, ${type}, ${subject}',
    )
    .option('--description <text>', 'what the trigger is for')
    .option('--disabled', 'create it disabled')
    .addHelpText(
      'after',
      [
        '',
        'Example:',
        '  lakebox trigger create new-sales --on object.created --zone raw --prefix sales/ --suffix .csv --run function:start-transform',
        '',
        'A function gets the event ({ id, time, type, source, subject, detail }) unless --input',
        'shapes another; a job gets the input as its parameters. Triggers are delivered by',
        'lakebox serve (or lakebox dispatch), at least once, never twice for one event.',
      ].join('\n'),
    )
    .action(async (name: string, opts: CreateOptions, command: Command) => {
      const context = CliContext.of(command);
      const created = await (
        await context.lake()
      ).triggers.create({
        name,
        pattern: {
          type: opts.on,
          zone: opts.zone,
          prefix: opts.prefix,
          suffix: opts.suffix,
          table: opts.table,
          status: opts.status,
        },
        target: opts.run,
        input: opts.input,
        description: opts.description,
        enabled: !opts.disabled,
      });
      if (context.output.json) return context.output.data(created);
      context.output.line(
        `Trigger ${created.name}: ${describePattern(created.pattern)} -> ${formatTarget(created.target)}${created.enabled ? '' : ' (disabled)'}.`,
      );
    });

  trigger
    .command('list')
    .description('every trigger')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const triggers = await (await context.lake()).triggers.list();
      if (context.output.json) return context.output.data(triggers);
      if (triggers.length === 0)
        return context.output.line(
          'No triggers. Create one with lakebox trigger create NAME --on TYPE --run KIND:NAME.',
        );
      context.output.table(triggers.map(row));
    });

  trigger
    .command('show')
    .description('a trigger, its delivery counts and its latest deliveries')
    .argument('<name>', 'trigger name')
    .option('--limit <n>', 'latest deliveries shown', (v) => Number(v), 10)
    .action(async (name: string, opts: { limit: number }, command: Command) => {
      const context = CliContext.of(command);
      const status = await (await context.lake()).triggers.status(name, { limit: opts.limit });
      if (context.output.json) return context.output.data(status);
      const { trigger: t, counts, recent } = status;
      context.output.line(`${t.name}${t.description ? ` - ${t.description}` : ''}`);
      context.output.line(`  on      ${describePattern(t.pattern)}`);
      context.output.line(`  run     ${formatTarget(t.target)}`);
      if (t.input !== undefined) context.output.line(`  input   ${JSON.stringify(t.input)}`);
      context.output.line(`  state   ${t.enabled ? 'enabled' : 'disabled'}`);
      context.output.line(
        `  counts  ${counts.started} started, ${counts.failed} failed, ${counts.stopped} stopped`,
      );
      if (recent.length > 0) {
        context.output.line('');
        context.output.table(
          recent.map((d) => ({
            event: d.eventId,
            status: d.status,
            run: d.runId ?? '',
            depth: d.chainDepth,
            at: d.createdAt.toISOString(),
            error: d.error ?? '',
          })),
        );
      }
    });

  for (const [verb, description] of [
    ['enable', 'deliver events to the trigger again'],
    ['disable', 'stop delivering events to the trigger (events meanwhile are not delivered)'],
  ] as const) {
    trigger
      .command(verb)
      .description(description)
      .argument('<name>', 'trigger name')
      .action(async (name: string, _opts: unknown, command: Command) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        const changed = await (verb === 'enable'
          ? lake.triggers.enable(name)
          : lake.triggers.disable(name));
        if (context.output.json) return context.output.data(changed);
        context.output.line(`Trigger ${changed.name} is ${verb}d.`);
      });
  }

  trigger
    .command('delete')
    .description('delete a trigger and its delivery records (the runs it started stay)')
    .argument('<name>', 'trigger name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      await (await context.lake()).triggers.delete(name);
      if (context.output.json) return context.output.data({ deleted: name });
      context.output.line(`Deleted trigger ${name}.`);
    });

  return trigger;
}

function row(t: Trigger): Record<string, unknown> {
  return {
    name: t.name,
    on: describePattern(t.pattern),
    run: formatTarget(t.target),
    state: t.enabled ? 'enabled' : 'disabled',
    description: t.description ?? '',
  };
}
