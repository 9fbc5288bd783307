import { Command, Option } from 'commander';
import { CliContext } from '../cli-context.js';
import { parseAsOf } from '../as-of.js';
import {
  QUERY_FORMATS,
  TABLE_ROW_CAP,
  writeQueryResult,
  type QueryFormat,
} from '../query-output.js';

export function queryCommand(): Command {
  return new Command('query')
    .description('run a SELECT over the lake with DuckDB')
    .argument('<sql>', 'the query; name tables as DATABASE.TABLE')
    .addOption(
      new Option(
        '--format <format>',
        `output format; table shows the first ${TABLE_ROW_CAP} rows, the others stream all`,
      )
        .choices(QUERY_FORMATS)
        .default('table'),
    )
    .option('--as-of <snapshot|time>', 'read tables as of a snapshot id or an ISO time')
    .option('--database <db>', 'database for unqualified table names')
    .addHelpText(
      'after',
      '\nExamples:\n  lakebox query "select count(*) from sales.orders"\n  lakebox query "select * from sales.orders" --as-of 42 --format csv\n  lakebox query "select * from sales.orders" --format ndjson | head -5',
    )
    .action(
      async (
        sql: string,
        opts: { format: QueryFormat; asOf?: string; database?: string },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        // Streamed: a result of any size is printed in bounded memory, and a closed pipe
        // (`| head`) stops DuckDB from computing the rest.
        const format: QueryFormat = context.output.json ? 'json' : opts.format;
        await lake.streamQuery(
          sql,
          { asOf: parseAsOf(opts.asOf), database: opts.database },
          (result) => writeQueryResult(context.output, result, format),
        );
      },
    );
}
