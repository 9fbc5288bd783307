import { Command } from 'commander';
import { resolve } from 'node:path';
import type { InitOptions } from '../../lake.js';
import { CliContext } from '../cli-context.js';

export function initCommand(): Command {
  return new Command('init')
    .description('create a lake in DIR (default: the lake directory or the current one)')
    .argument('[dir]', 'directory for the new lake')
    .option(
      '--storage <location>',
      'where the zones live: a directory or s3://bucket/prefix (default: the lake directory)',
    )
    .option(
      '--s3-endpoint <url>',
      'S3 API endpoint for --storage s3://... (MinIO, R2, a local server)',
    )
    .option('--s3-region <region>', 'S3 region', 'us-east-1')
    .option(
      '--database-url <url>',
      'PostgreSQL URL for the metadata (default: SQLite in the lake directory); a password only as ${env:NAME}',
    )
    .addHelpText(
      'after',
      "\nExample:\n  lakebox init ./lake\n  lakebox init ./lake --storage s3://my-bucket/lake --database-url '${env:LAKEBOX_DATABASE_URL}'\n  lakebox init ./lake --database-url 'postgres://lake:${env:LAKE_DB_PASSWORD}@db:5432/lake'\n\nInit is all or nothing: when it fails, it leaves no lakebox.json and removes what it created.",
    )
    .action(
      async (
        dir: string | undefined,
        opts: { storage?: string; s3Endpoint?: string; s3Region: string; databaseUrl?: string },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const target = dir ? resolve(dir) : context.lakeDir;
        const options: InitOptions = {};
        if (opts.storage?.startsWith('s3://')) {
          options.storage = {
            type: 's3',
            uri: opts.storage,
            endpoint: opts.s3Endpoint,
            region: opts.s3Region,
            accessKeyId: '${env:AWS_ACCESS_KEY_ID}',
            secretAccessKey: '${env:AWS_SECRET_ACCESS_KEY}',
            forcePathStyle: opts.s3Endpoint ? true : undefined,
          };
        } else if (opts.storage) {
          options.storage = { type: 'local', path: resolve(opts.storage) };
        }
        if (opts.databaseUrl) options.metadata = { type: 'postgres', url: opts.databaseUrl };
        const { Lake } = await import('../../lake.js');
        const lake = await Lake.init(target, options);
        try {
          if (context.output.json) context.output.data({ lake: lake.dir, zones: lake.zones() });
          else {
            context.output.line(`Created a lake in ${lake.dir}`);
            for (const { zone, location } of lake.zones())
              context.output.line(`  ${zone.padEnd(10)} ${location}`);
          }
        } finally {
          await lake.close();
        }
      },
    );
}
