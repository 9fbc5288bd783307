import { LakeError } from '../errors/lake-error.js';
import type { LakeServices } from '../lake-services.js';
import { RecordStore } from '../resources/record-store.js';
import { KindRuns } from '../runs/kind-runs.js';
import type { Run } from '../runs/run.js';
import type { RunContext, RunOutcome } from '../runs/run-executor.js';
import { runCrawl } from './crawl-run.js';
import { resolveTarget } from './crawl-target.js';
import { normalizeSpec, type NormalizedSpec } from './crawler-spec.js';
import { CRAWLER_KIND, deleteCrawlerState, type NewCrawler } from './crawler-kind.js';
import { CrawlerStore } from './crawler-store.js';
import type { CrawlSummary, Crawler, CrawlerSpec } from './crawler-types.js';

export const CRAWL_RUN_KIND = 'crawl';
// Runs of one-shot crawls are named after their database and targets, so that crawling the
// same folders again is incremental too.
const ONE_SHOT_PREFIX = 'crawl~';
const MAX_LOGGED_FILES = 1000;

interface CrawlParameters {
  crawler?: string;
  oneShot?: NormalizedSpec;
}

/**
 * A crawl is idempotent (it commits what it found in one catalog transaction, and a next
 * crawl finds the same), so one lost with its worker, or failed by a transient error, is
 * tried again this often.
 */
const CRAWL_ATTEMPTS = 3;

/**
 * Crawlers: records that name folders of the lake, and runs (kind `crawl`) that infer the
 * schemas and partitions of the files there and register them as external tables,
 * queryable at once with `lake.query`.
 *
 * @example
 * await lake.crawlers.create('sales', { database: 'sales', targets: [{ path: 'raw/sales/' }] });
 * const run = await lake.crawlers.run('sales');
 * console.log(await lake.crawlers.summary(run.id));
 */
export class CrawlerService {
  readonly #store: CrawlerStore;
  readonly #records: RecordStore<Crawler, NewCrawler>;
  readonly #runs: KindRuns;

  constructor(private readonly services: LakeServices) {
    this.#store = new CrawlerStore(services.db);
    this.#records = new RecordStore(services.db, services.events, CRAWLER_KIND);
    this.#runs = new KindRuns(services, CRAWL_RUN_KIND, 'crawl');
    services.executor.register(CRAWL_RUN_KIND, (ctx) => this.#execute(ctx));
  }

  /**
   * Creates a crawler (it does not run it).
   *
   * @example await lake.crawlers.create('sales', { database: 'sales', targets: [{ path: 'raw/sales/', exclude: ['**\/*.tmp'] }], schedule: '0 3 * * *' });
   * @throws LakeError CRAWLER_EXISTS, INVALID_ARGUMENT, INVALID_IDENTIFIER.
   */
  async create(name: string, spec: CrawlerSpec): Promise<Crawler> {
    return this.#records.create({ ...this.#checked(spec), name });
  }

  /**
   * Changes a crawler's spec; fields not given keep their values.
   *
   * @example await lake.crawlers.update('sales', { schemaChange: 'log' });
   * @throws LakeError CRAWLER_NOT_FOUND, INVALID_ARGUMENT.
   */
  async update(name: string, changes: Partial<CrawlerSpec>): Promise<Crawler> {
    const current = await this.#records.get(name);
    return this.#records.replace({ ...this.#checked({ ...current, ...changes }), name });
  }

  /** @throws LakeError CRAWLER_NOT_FOUND */
  async get(name: string): Promise<Crawler> {
    return this.#records.get(name);
  }

  /** Every crawler, by name. */
  async list(): Promise<Crawler[]> {
    return this.#records.list();
  }

  /** Deletes a crawler and its state; the tables it registered stay in the catalog. */
  async delete(name: string): Promise<void> {
    await this.#records.delete(name, deleteCrawlerState);
  }

  /**
   * Starts a crawl of the crawler as a run and resolves with the queued run.
   *
   * @example const run = await lake.crawlers.start('sales'); await lake.crawlers.wait(run.id);
   * @throws LakeError CRAWLER_NOT_FOUND
   */
  async start(name: string, options: { idempotencyKey?: string } = {}): Promise<Run> {
    const crawler = await this.#records.get(name);
    return this.services.executor.submit(CRAWL_RUN_KIND, {
      maxAttempts: CRAWL_ATTEMPTS,
      name: crawler.name,
      idempotencyKey: options.idempotencyKey,
      parameters: { crawler: crawler.name },
    });
  }

  /**
   * Crawls and waits for the run to end. A run that skipped files ends
   * `succeeded_with_errors`; `summary(run.id)` names them with their reasons.
   *
   * @example const run = await lake.crawlers.run('sales'); // run.metrics.tablesCreated ...
   */
  async run(name: string, options: { idempotencyKey?: string } = {}): Promise<Run> {
    return this.#runs.untilEnded(this.start(name, options));
  }

  /**
   * Resolves with a crawl run (of a crawler or one-shot) once it has ended.
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a crawl).
   */
  wait(runId: string, options: { signal?: AbortSignal } = {}): Promise<Run> {
    return this.#runs.wait(runId, options);
  }

  /**
   * Cancels a crawl: each table is committed whole or not at all, and the next crawl picks
   * up what this one did not commit.
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a crawl), RUN_NOT_CANCELLABLE.
   */
  cancel(runId: string): Promise<Run> {
    return this.#runs.cancel(runId);
  }

  /**
   * A one-shot crawl without a crawler record, e.g. `lake.crawlers.crawl({ database: 'sales',
   * targets: [{ path: 'raw/sales/' }] })`. Crawling the same targets again is incremental.
   */
  async crawl(spec: CrawlerSpec): Promise<Run> {
    return this.#runs.untilEnded(this.startCrawl(spec));
  }

  /** Starts a one-shot crawl (as `crawl`) and returns its run without waiting. */
  async startCrawl(spec: CrawlerSpec): Promise<Run> {
    const normalized = this.#checked(spec);
    const name = `${ONE_SHOT_PREFIX}${normalized.database}:${normalized.targets
      .map((t) => t.path)
      .sort()
      .join(',')}`;
    return this.services.executor.submit(CRAWL_RUN_KIND, {
      maxAttempts: CRAWL_ATTEMPTS,
      name,
      parameters: { oneShot: normalized },
    });
  }

  /** The crawler's runs, newest first. */
  async runs(name: string, options: { limit?: number } = {}): Promise<Run[]> {
    const crawler = await this.#records.get(name);
    return this.services.runs.list({
      kind: CRAWL_RUN_KIND,
      name: crawler.name,
      limit: options.limit,
    });
  }

  /** What a crawl run did: tables created, updated, deprecated; files skipped with reasons. */
  async summary(runId: string): Promise<CrawlSummary | undefined> {
    return this.#store.summary(runId);
  }

  /** A normalized spec whose targets resolve against this lake's storage. */
  #checked(spec: CrawlerSpec): NormalizedSpec {
    const normalized = normalizeSpec(spec);
    const storage = this.services.config.storage;
    for (const target of normalized.targets)
      resolveTarget(target, storage.type === 's3' ? storage.uri : undefined);
    return normalized;
  }

  async #execute(ctx: RunContext): Promise<RunOutcome> {
    const parameters = ctx.parameters as CrawlParameters;
    const name = ctx.run.name ?? '';
    const spec: NormalizedSpec =
      parameters.oneShot ?? (await this.#records.get(parameters.crawler ?? ''));
    await this.#refuseConcurrent(ctx.run);
    try {
      const summary = await runCrawl(this.services, this.#store, name, spec, ctx);
      await this.#store.saveSummary(ctx.run.id, summary);
      await this.#log(ctx, summary);
      const metrics = metricsOf(summary);
      await this.services.events.append({
        type: 'crawler.succeeded',
        subject: name,
        payload: { crawler: name, runId: ctx.run.id, ...metrics },
      });
      return {
        status: summary.skipped.length > 0 ? 'succeeded_with_errors' : 'succeeded',
        metrics,
      };
    } catch (error) {
      await this.services.events
        .append({
          type: 'crawler.failed',
          subject: name,
          payload: { crawler: name, runId: ctx.run.id, error: (error as Error).message },
        })
        .catch(() => undefined);
      throw error;
    }
  }

  /** Two crawls of one crawler at once would register the same files twice. */
  async #refuseConcurrent(run: Run): Promise<void> {
    const running = await this.services.runs.list({
      kind: CRAWL_RUN_KIND,
      name: run.name ?? '',
      status: 'running',
    });
    const other = running.find((r) => r.id !== run.id);
    if (other) {
      throw new LakeError(
        'CRAWLER_BUSY',
        `Crawler ${run.name} is already running (run ${other.id}); wait for it or cancel it.`,
      );
    }
  }

  async #log(ctx: RunContext, summary: CrawlSummary): Promise<void> {
    await ctx.info(
      `listed ${summary.filesListed} file(s): ${summary.filesNew} new, ${summary.filesChanged} changed, ${summary.filesRemoved} removed; registered ${summary.filesRegistered}`,
    );
    for (const table of summary.tablesCreated) await ctx.info(`created table ${table}`);
    for (const table of summary.tablesUpdated) await ctx.info(`updated table ${table}`);
    for (const table of summary.tablesDeprecated)
      await ctx.info(`deprecated table ${table} (its files are gone)`);
    for (const table of summary.tablesDeleted)
      await ctx.info(`deleted table ${table} (its files are gone)`);
    for (const change of summary.schemaChanges)
      await ctx.log('warn', `schema change in ${change.table}: ${describeChange(change)}`);
    for (const { key, encoding } of summary.encodings)
      await ctx.info(`${key} is read as ${encoding}`);
    for (const file of summary.skipped.slice(0, MAX_LOGGED_FILES))
      await ctx.log('warn', `skipped ${file.key}: ${file.reason}`);
    if (summary.skipped.length > MAX_LOGGED_FILES)
      await ctx.log(
        'warn',
        `... and ${summary.skipped.length - MAX_LOGGED_FILES} more skipped file(s); see the run's summary`,
      );
  }
}

export function describeChange(change: CrawlSummary['schemaChanges'][number]): string {
  const column = change.column ? ` column ${change.column}` : '';
  const types = change.from ? ` ${change.from} -> ${change.to}` : change.to ? ` ${change.to}` : '';
  return `${change.kind}${column}${types}${change.detail ? ` (${change.detail})` : ''}`;
}

function metricsOf(summary: CrawlSummary): Record<string, number> {
  return {
    filesListed: summary.filesListed,
    filesNew: summary.filesNew,
    filesChanged: summary.filesChanged,
    filesRemoved: summary.filesRemoved,
    filesRegistered: summary.filesRegistered,
    filesSkipped: summary.skipped.length,
    tablesCreated: summary.tablesCreated.length,
    tablesUpdated: summary.tablesUpdated.length,
    tablesDeprecated: summary.tablesDeprecated.length,
    tablesDeleted: summary.tablesDeleted.length,
    partitionsAdded: summary.partitionsAdded,
    schemaChanges: summary.schemaChanges.length,
  };
}
