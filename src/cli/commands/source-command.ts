import { Command, Option } from 'commander';
import { CliContext } from '../cli-context.js';
import { ExitCode } from '../exit-code.js';

export function sourceCommand(): Command {
  const source = new Command('source').description(
    'source databases for migration (DMS source endpoints)',
  );
  source
    .command('create')
    .description('create a source; give a password only as ${env:NAME}')
    .argument('<name>', 'source name')
    .addOption(
      new Option('--engine <engine>', 'source engine')
        .choices(['postgres', 'sqlite'])
        .makeOptionMandatory(),
    )
    .option('--host <host>', 'PostgreSQL host', '127.0.0.1')
    .option('--port <port>', 'PostgreSQL port', (v) => Number.parseInt(v, 10), 5432)
    .option('--database <db>', 'PostgreSQL database')
    .option('--user <user>', 'PostgreSQL user')
    .option('--password <ref>', "password reference, e.g. '${env:SHOP_PASSWORD}'")
    .option('--ssl', 'connect with TLS')
    .option('--path <file>', 'SQLite database file')
    .action(async (name: string, opts: Record<string, unknown>, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const { engine, ...rest } = opts as { engine: 'postgres' | 'sqlite' } & Record<
        string,
        unknown
      >;
      const settings =
        engine === 'sqlite'
          ? { path: rest['path'] }
          : {
              host: rest['host'],
              port: rest['port'],
              database: rest['database'],
              user: rest['user'],
              password: rest['password'],
              ssl: rest['ssl'] === true,
            };
      const record = await lake.sources.create(name, { engine, ...settings });
      if (context.output.json) return context.output.data(record);
      context.output.line(`Created source ${record.name} (${record.engine}).`);
    });
  source
    .command('test')
    .description('check reachability, credentials and (PostgreSQL) what CDC needs')
    .argument('<name>', 'source name')
    .option('--no-cdc', 'skip the replication checks')
    .action(async (name: string, opts: { cdc: boolean }, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const result = await lake.sources.test(name, { cdc: opts.cdc ? undefined : false });
      if (context.output.json) context.output.data(result);
      else
        for (const check of result.checks)
          context.output.line(`${check.ok ? 'ok  ' : 'FAIL'} ${check.check}: ${check.message}`);
      if (!result.ok) process.exitCode = ExitCode.failed;
    });
  source
    .command('list')
    .description('list sources')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const sources = await lake.sources.list();
      context.output.table(
        sources.map((s) => ({ name: s.name, engine: s.engine, settings: s.settings })),
      );
    });
  source
    .command('delete')
    .description('delete a source record (migration tasks that name it fail at their next start)')
    .argument('<name>', 'source name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      await lake.sources.delete(name);
      if (context.output.json) return context.output.data({ deleted: name.toLowerCase() });
      context.output.line(`Deleted source ${name.toLowerCase()}.`);
    });
  return source;
}
