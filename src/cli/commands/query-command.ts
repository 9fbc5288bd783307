import { Command, Option } from 'commander';
import { CliContext } from '../cli-context.js';
import { parseAsOf } from '../as-of.js';

export function queryCommand(): Command {
  return new Command('query')
    .description('run a SELECT over the lake with DuckDB')
    .argument('<sql>', 'the query; name tables as DATABASE.TABLE')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'csv'])
        .default('table'),
    )
    .option('--as-of <snapshot|time>', 'read tables as of a snapshot id or an ISO time')
    .option('--database <db>', 'database for unqualified table names')
    .addHelpText(
      'after',
      '\nExamples:\n  lakebox query "select count(*) from sales.orders"\n  lakebox query "select * from sales.orders" --as-of 42 --format csv',
    )
    .action(
      async (
        sql: string,
        opts: { format: string; asOf?: string; database?: string },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        const result = await lake.query(sql, {
          asOf: parseAsOf(opts.asOf),
          database: opts.database,
        });
        const format = context.output.json ? 'json' : opts.format;
        if (format === 'json') context.output.data(result.jsonRows());
        else if (format === 'csv')
          context.output.csv(
            result.columns.map((c) => c.name),
            result.jsonTuples(),
          );
        else {
          context.output.table(
            result.jsonRows(),
            result.columns.map((c) => c.name),
          );
          context.output.line(`${result.rowCount} row${result.rowCount === 1 ? '' : 's'}`);
        }
      },
    );
}
