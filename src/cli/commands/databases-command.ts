import { Command, Option } from 'commander';
import { ZONES, type Zone } from '../../catalog/catalog-types.js';
import { CliContext } from '../cli-context.js';

export function databasesCommand(): Command {
  const command = new Command('databases')
    .description('list databases')
    .action(async (_opts: unknown, cmd: Command) => {
      const context = CliContext.of(cmd);
      const lake = await context.lake();
      const databases = await lake.listDatabases();
      if (context.output.json) return context.output.data(databases);
      if (databases.length === 0) return context.output.line('No databases yet.');
      context.output.table(
        databases.map((d) => ({
          database: d.name,
          zone: d.zone,
          description: d.description ?? '',
          created: d.createdAt.toISOString(),
        })),
      );
    });
  command
    .command('create')
    .description('create a database whose managed tables live in a zone')
    .argument('<name>', 'database name')
    .addOption(
      new Option('--zone <zone>', 'zone of its managed tables')
        .choices([...ZONES])
        .default('processed'),
    )
    .option('--description <text>', 'what the database holds')
    .action(async (name: string, opts: { zone: Zone; description?: string }, cmd: Command) => {
      const context = CliContext.of(cmd);
      const database = await (await context.lake()).createDatabase(name, opts);
      if (context.output.json) context.output.data(database);
      else context.output.line(`Created database ${database.name} in zone ${database.zone}`);
    });
  return command;
}
