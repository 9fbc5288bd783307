import type { Column } from '../catalog/catalog-types.js';

/**
 * A relation a transform receives or builds: a SELECT over the job's inputs, run lazily by
 * DuckDB. Interpolating one into SQL (`ctx.sql(\`select * from ${orders}\`)`) inlines it.
 */
export interface JobRelation {
  /** The SELECT this relation stands for. */
  readonly sql: string;
  /** Its rows, read now (for small results; return the relation itself to write it). */
  rows(): Promise<Record<string, unknown>[]>;
  /** Its rows as an Arrow table. */
  arrow(): Promise<import('apache-arrow').Table>;
  columns(): Promise<Column[]>;
  toString(): string;
}

/** What a transform gets besides its inputs. */
export interface TransformContext {
  readonly jobName: string;
  readonly runId: string;
  readonly parameters: Readonly<Record<string, string>>;
  /** Aborted when the run is cancelled or times out. */
  readonly signal: AbortSignal;
  /** A relation over the inputs (named `database.table`, as in any lake query). */
  sql(query: string): JobRelation;
  log(message: string): void;
}

/** What a transform may return: a relation, Arrow batches or a table, or records. */
export type TransformResult =
  | JobRelation
  | ReadonlyArray<Record<string, unknown>>
  | { toArray(): unknown[]; schema: unknown }
  | ReadonlyArray<{ toArray(): unknown[]; schema: unknown }>;

/**
 * The export of a TypeScript job's module. `inputs` holds each input table under its full
 * name (`sales.orders`) and, when unambiguous, its bare name (`orders`).
 *
 * @example
 * export async function transform(inputs: Record<string, JobRelation>, ctx: TransformContext) {
 *   return ctx.sql(`select customer, sum(amount) as total from ${inputs.orders} group by 1`);
 * }
 */
export type TransformFunction = (
  inputs: Record<string, JobRelation>,
  ctx: TransformContext,
) => Promise<TransformResult> | TransformResult;
