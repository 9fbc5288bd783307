import { Command } from 'commander';
import { CliContext } from '../cli-context.js';

export function schedulesCommand(): Command {
  return new Command('schedules')
    .description('list the cron schedules of the lake and when each fires next')
    .addHelpText('after', '\nSchedules fire while `lakebox serve` runs (see docs/operating.md).')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const schedules = await (await context.lake()).schedules();
      if (context.output.json) return context.output.data(schedules);
      if (schedules.length === 0) return context.output.line('No schedules.');
      context.output.table(
        schedules.map((s) => ({
          schedule: s.key,
          cron: s.schedule,
          zone: s.timeZone ?? '',
          next: s.next ? s.next.toISOString() : (s.error ?? 'never'),
        })),
      );
    });
}
