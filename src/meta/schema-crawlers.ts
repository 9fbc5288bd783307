import type { Generated } from 'kysely';

type Json = string;

/** A crawler: its name, target database and the rest of its spec as JSON. */
export interface CrawlerRow {
  crawler_id: Generated<number>;
  name: string;
  database_name: string;
  spec: Json;
  schedule: string | null;
  description: string | null;
  created_at: number;
  updated_at: number;
}

/** A table a crawler registered, the folder it stands for, and whether it is deprecated. */
export interface CrawlerTableRow {
  crawler_name: string;
  table_id: number;
  root: string;
  format: string;
  signature: Json;
  state: string;
  updated_at: number;
}

/** An object a crawler has seen: registered in a table, or skipped with a reason. */
export interface CrawlerObjectRow {
  crawler_name: string;
  key: string;
  etag: string;
  size: number;
  table_id: number | null;
  skip_reason: string | null;
  seen_at: number;
}

/** The full summary of one crawl run (files skipped with reasons included). */
export interface CrawlSummaryRow {
  run_id: string;
  crawler_name: string;
  summary: Json;
  created_at: number;
}
