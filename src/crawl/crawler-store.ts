import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { CrawlSummary } from './crawler-types.js';

/** An object as the crawler last saw it. */
export interface KnownObject {
  key: string;
  etag: string;
  size: number;
  tableId: number | null;
  skipReason: string | null;
}

export interface CrawlerTableRecord {
  tableId: number;
  root: string;
  format: string;
  state: 'active' | 'deprecated';
}

// SQLite binds at most 32766 parameters a statement; 7 columns × 500 rows stays far below.
const ROWS_PER_STATEMENT = 500;

/** What crawlers know between runs: objects seen, tables registered, run summaries. */
export class CrawlerStore {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  async knownObjects(crawler: string): Promise<Map<string, KnownObject>> {
    const rows = await this.db
      .selectFrom('lb_crawler_object')
      .select(['key', 'etag', 'size', 'table_id', 'skip_reason'])
      .where('crawler_name', '=', crawler)
      .execute();
    return new Map(
      rows.map((r) => [
        r.key,
        {
          key: r.key,
          etag: r.etag,
          size: Number(r.size),
          tableId: r.table_id === null ? null : Number(r.table_id),
          skipReason: r.skip_reason,
        },
      ]),
    );
  }

  /** Replaces the records of `objects` and forgets `removed`, in one transaction. */
  async recordObjects(crawler: string, objects: KnownObject[], removed: string[]): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      const keys = [...objects.map((o) => o.key), ...removed];
      for (let i = 0; i < keys.length; i += ROWS_PER_STATEMENT) {
        await trx
          .deleteFrom('lb_crawler_object')
          .where('crawler_name', '=', crawler)
          .where('key', 'in', keys.slice(i, i + ROWS_PER_STATEMENT))
          .execute();
      }
      for (let i = 0; i < objects.length; i += ROWS_PER_STATEMENT) {
        await trx
          .insertInto('lb_crawler_object')
          .values(
            objects.slice(i, i + ROWS_PER_STATEMENT).map((o) => ({
              crawler_name: crawler,
              key: o.key,
              etag: o.etag,
              size: o.size,
              table_id: o.tableId,
              skip_reason: o.skipReason,
              seen_at: now,
            })),
          )
          .execute();
      }
    });
  }

  async tables(crawler: string): Promise<CrawlerTableRecord[]> {
    const rows = await this.db
      .selectFrom('lb_crawler_table')
      .selectAll()
      .where('crawler_name', '=', crawler)
      .execute();
    return rows.map((r) => ({
      tableId: Number(r.table_id),
      root: r.root,
      format: r.format,
      state: r.state as CrawlerTableRecord['state'],
    }));
  }

  async setTable(crawler: string, record: CrawlerTableRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('lb_crawler_table')
        .where('crawler_name', '=', crawler)
        .where('table_id', '=', record.tableId)
        .execute();
      await trx
        .insertInto('lb_crawler_table')
        .values({
          crawler_name: crawler,
          table_id: record.tableId,
          root: record.root,
          format: record.format,
          signature: '{}',
          state: record.state,
          updated_at: Date.now(),
        })
        .execute();
    });
  }

  async forgetTable(crawler: string, tableId: number): Promise<void> {
    await this.db
      .deleteFrom('lb_crawler_table')
      .where('crawler_name', '=', crawler)
      .where('table_id', '=', tableId)
      .execute();
  }

  async saveSummary(runId: string, summary: CrawlSummary): Promise<void> {
    await this.db
      .insertInto('lb_crawl_summary')
      .values({
        run_id: runId,
        crawler_name: summary.crawler,
        summary: JSON.stringify(summary),
        created_at: Date.now(),
      })
      .execute();
  }

  async summary(runId: string): Promise<CrawlSummary | undefined> {
    const row = await this.db
      .selectFrom('lb_crawl_summary')
      .select('summary')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return row && (JSON.parse(row.summary) as CrawlSummary);
  }
}
