import { Command, Option } from 'commander';
import type { Lake } from '../../lake.js';
import type { CrawlerSpec, CrawlSummary, CsvClassifier } from '../../crawl/crawler-types.js';
import { describeChange } from '../../crawl/crawler-service.js';
import { LakeError } from '../../errors/lake-error.js';
import type { Run } from '../../runs/run.js';
import { backgroundChildOption, runForParent, startInBackground } from '../background-start.js';
import { CliContext } from '../cli-context.js';
import { formatDuration } from '../output.js';
import { followWithProgress } from '../progress/follow-with-progress.js';
import { reportRunEnd } from '../run-report.js';

interface SpecOptions {
  database: string;
  target: string[];
  exclude?: string[];
  tablePrefix?: string;
  schemaChange?: CrawlerSpec['schemaChange'];
  deletion?: CrawlerSpec['deletion'];
  recrawl?: CrawlerSpec['recrawl'];
  schedule?: string;
  classifier?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withSpecOptions(command: Command, targetsAsArgument: boolean): Command {
  command.requiredOption('--database <db>', 'the lake database the tables go to');
  if (!targetsAsArgument)
    command.requiredOption(
      '--target <prefix>',
      'zone prefix (raw/sales/) or s3:// URI in the lake; repeatable',
      collect,
    );
  return command
    .option(
      '--exclude <glob>',
      'ignore objects matching this glob (relative to the target); repeatable',
      collect,
    )
    .option('--table-prefix <prefix>', 'prepended to every table name')
    .addOption(
      new Option('--schema-change <policy>', 'when files bring a new schema').choices([
        'update',
        'log',
        'new-version',
      ]),
    )
    .addOption(
      new Option('--deletion <policy>', "when a table's files are gone").choices([
        'deprecate',
        'delete',
      ]),
    )
    .addOption(
      new Option('--recrawl <policy>', 'what a re-crawl looks at').choices([
        'everything',
        'new-folders-only',
      ]),
    )
    .option(
      '--classifier <json>',
      'pin a CSV format for a prefix, e.g. \'{"prefix":"raw/legacy/","delimiter":";","header":false,"columns":[{"name":"id","type":"INTEGER"}]}\'; repeatable',
      collect,
    );
}

function specOf(opts: SpecOptions, targets: string[]): CrawlerSpec {
  return {
    database: opts.database,
    targets: targets.map((path) => ({ path, exclude: opts.exclude ?? [] })),
    ...(opts.tablePrefix !== undefined ? { tablePrefix: opts.tablePrefix } : {}),
    ...(opts.schemaChange ? { schemaChange: opts.schemaChange } : {}),
    ...(opts.deletion ? { deletion: opts.deletion } : {}),
    ...(opts.recrawl ? { recrawl: opts.recrawl } : {}),
    ...(opts.schedule ? { schedule: opts.schedule } : {}),
    ...(opts.classifier ? { classifiers: opts.classifier.map(parseClassifier) } : {}),
  };
}

function parseClassifier(text: string): CsvClassifier {
  try {
    return JSON.parse(text) as CsvClassifier;
  } catch (error) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `--classifier is not JSON: ${(error as Error).message}.`,
    );
  }
}

export function crawlerCommand(): Command {
  const crawler = new Command('crawler').description(
    'crawlers: infer schemas and partitions of files and register them as tables',
  );
  crawler.addCommand(
    withSpecOptions(
      new Command('create')
        .description('create a crawler (run it with lakebox crawler run NAME)')
        .argument('<name>', 'crawler name')
        .option('--schedule <cron>', 'cron expression stored for the scheduler, e.g. "0 3 * * *"'),
      false,
    )
      .addHelpText(
        'after',
        '\nExample:\n  lakebox crawler create sales --database sales --target raw/sales/ --exclude "**/_tmp/**"',
      )
      .action(async (name: string, opts: SpecOptions, command: Command) => {
        const context = CliContext.of(command);
        const lake = await context.lake();
        const created = await lake.crawlers.create(name, specOf(opts, opts.target));
        if (context.output.json) return context.output.data(created);
        context.output.line(
          `Created crawler ${created.name}; run it with: lakebox crawler run ${created.name} --wait`,
        );
      }),
  );
  crawler.addCommand(
    new Command('list')
      .description('list crawlers')
      .action(async (_opts: unknown, command: Command) => {
        const context = CliContext.of(command);
        const crawlers = await (await context.lake()).crawlers.list();
        if (context.output.json) return context.output.data(crawlers);
        if (crawlers.length === 0)
          return context.output.line(
            'No crawlers yet. Create one with: lakebox crawler create NAME --database DB --target raw/PREFIX/',
          );
        context.output.table(
          crawlers.map((c) => ({
            crawler: c.name,
            database: c.database,
            targets: c.targets.map((t) => t.path).join(' '),
            'schema change': c.schemaChange,
            deletion: c.deletion,
            recrawl: c.recrawl,
            schedule: c.schedule ?? '',
          })),
        );
      }),
  );
  crawler.addCommand(
    new Command('show')
      .description("show a crawler's spec")
      .argument('<name>', 'crawler name')
      .action(async (name: string, _opts: unknown, command: Command) => {
        const context = CliContext.of(command);
        const found = await (await context.lake()).crawlers.get(name);
        context.output.fields(`Crawler ${found.name}`, { ...found, targets: found.targets });
      }),
  );
  crawler.addCommand(
    new Command('delete')
      .description('delete a crawler (its tables stay)')
      .argument('<name>', 'crawler name')
      .action(async (name: string, _opts: unknown, command: Command) => {
        const context = CliContext.of(command);
        await (await context.lake()).crawlers.delete(name);
        if (context.output.json) return context.output.data({ deleted: name });
        context.output.line(`Deleted crawler ${name}.`);
      }),
  );
  crawler.addCommand(
    new Command('run')
      .description('start a crawl; --wait waits for it and prints the summary')
      .argument('<name>', 'crawler name')
      .option('--wait', 'wait for the run to end')
      .addOption(backgroundChildOption())
      .action(
        async (
          name: string,
          opts: { wait?: boolean; backgroundChild?: boolean },
          command: Command,
        ) => {
          const context = CliContext.of(command);
          const lake = await context.lake();
          if (opts.backgroundChild)
            return runForParent(
              () => lake.crawlers.start(name),
              (id) => lake.runs.wait(id),
            );
          if (!opts.wait) {
            // The crawl runs on in a detached process: this one returns at once.
            await lake.crawlers.get(name);
            const started = await startInBackground(
              context.lakeDir,
              ['crawler', 'run', name],
              `crawler ${name}`,
            );
            const run = await lake.runs.get(started.runId);
            if (context.output.json) return context.output.data(run);
            return context.output.line(
              `Started crawl ${run.id}; follow it with: lakebox run ${run.id}`,
            );
          }
          const run = await lake.crawlers.start(name);
          await finish(context, lake, await waitWithProgress(context, lake, run));
        },
      ),
  );
  crawler.addCommand(
    new Command('runs')
      .description("a crawler's runs, newest first")
      .argument('<name>', 'crawler name')
      .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 20)
      .action(async (name: string, opts: { limit: number }, command: Command) => {
        const context = CliContext.of(command);
        const runs = await (await context.lake()).crawlers.runs(name, { limit: opts.limit });
        if (context.output.json) return context.output.data(runs);
        if (runs.length === 0) return context.output.line(`Crawler ${name} has not run yet.`);
        context.output.table(
          runs.map((run) => ({
            run: run.id,
            status: run.status,
            created: run.createdAt.toISOString(),
            duration: run.startedAt
              ? formatDuration((run.endedAt ?? new Date()).getTime() - run.startedAt.getTime())
              : '',
            'tables +': run.metrics['tablesCreated'] ?? '',
            'tables ~': run.metrics['tablesUpdated'] ?? '',
            'files +': run.metrics['filesRegistered'] ?? '',
            skipped: run.metrics['filesSkipped'] ?? '',
            error: run.error ? `${run.error.code}: ${run.error.message}`.slice(0, 60) : '',
          })),
        );
      }),
  );
  return crawler;
}

export function crawlCommand(): Command {
  return withSpecOptions(
    new Command('crawl')
      .description('crawl folders once (no crawler record) and register their tables')
      .argument('<targets...>', 'zone prefixes (raw/sales/) or s3:// URIs inside the lake'),
    true,
  )
    .addHelpText('after', '\nExample:\n  lakebox crawl raw/sales/ --database sales')
    .action(async (targets: string[], opts: SpecOptions, command: Command) => {
      const context = CliContext.of(command);
      const lake = await context.lake();
      const run = await lake.crawlers.startCrawl(specOf(opts, targets));
      await finish(context, lake, await waitWithProgress(context, lake, run));
    });
}

/** Waits for the run, with a progress bar on stderr when it is a terminal. */
function waitWithProgress(context: CliContext, lake: Lake, run: Run): Promise<Run> {
  return followWithProgress({
    work: lake.runs.wait(run.id),
    poll: async () => {
      const current = await lake.runs.get(run.id);
      const p = current.progress;
      const done = p?.done ?? 0;
      return {
        value:
          current.status === 'running' || current.status === 'queued' ? done : (p?.total ?? done),
        total: p?.total ?? done,
        payload: { phase: p?.phase ?? current.status },
      };
    },
    format: ' {phase} [{bar}] {value}/{total} files',
    enabled: !context.output.json,
  });
}

async function finish(context: CliContext, lake: Lake, run: Run): Promise<void> {
  const summary = await lake.crawlers.summary(run.id);
  if (context.output.json && run.status !== 'failed') {
    context.output.data({ ...run, summary });
    if (run.status === 'succeeded_with_errors') process.exitCode = 3;
    if (run.status === 'cancelled') process.exitCode = 4;
    return;
  }
  reportRunEnd(
    context,
    run,
    (m) =>
      `Crawled ${m['filesListed'] ?? 0} file(s): ${m['tablesCreated'] ?? 0} table(s) created, ${m['tablesUpdated'] ?? 0} updated, ${m['tablesDeprecated'] ?? 0} deprecated, ${m['tablesDeleted'] ?? 0} deleted; ${m['filesRegistered'] ?? 0} file(s) and ${m['partitionsAdded'] ?? 0} partition(s) added, ${m['filesSkipped'] ?? 0} skipped`,
  );
  if (summary) printSummary(context, summary);
}

function printSummary(context: CliContext, summary: CrawlSummary): void {
  const out = context.output;
  for (const table of summary.tablesCreated) out.line(`  created     ${table}`);
  for (const table of summary.tablesUpdated) out.line(`  updated     ${table}`);
  for (const table of summary.tablesDeprecated) out.line(`  deprecated  ${table}`);
  for (const table of summary.tablesDeleted) out.line(`  deleted     ${table}`);
  for (const change of summary.schemaChanges)
    out.line(`  schema      ${change.table}: ${describeChange(change)}`);
  for (const { key, encoding } of summary.encodings)
    out.line(`  encoding    ${key}: read as ${encoding}`);
  for (const file of summary.skipped.slice(0, 50))
    out.line(`  skipped     ${file.key}: ${file.reason}`);
  if (summary.skipped.length > 50)
    out.line(`  ... and ${summary.skipped.length - 50} more skipped (use --json)`);
}
