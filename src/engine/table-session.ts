import type { DuckDBConnection } from '@duckdb/node-api';
import type * as arrow from 'apache-arrow';
import type { Column } from '../catalog/catalog-types.js';
import { quoteLiteral } from '../catalog/identifier.js';
import { describeSelect } from './column-plan.js';
import { sqlError } from './duck-engine.js';
import type { QueryRunner } from './query-runner.js';
import { findTableReferences, type TableReference } from './table-references.js';
import type { BoundTable } from './table-writer.js';

/**
 * A DuckDB connection with pinned tables bound under the names a query uses, lent to
 * feature code (job transforms, quality gates) through this narrow interface so that only
 * the engine touches DuckDB.
 */
export interface TableSession {
  /** Rows of a SELECT as JSON-safe objects (big integers as numbers when they fit, else text). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** A SELECT's result as an Arrow table. */
  arrow(sql: string): Promise<arrow.Table>;
  /** The columns a SELECT produces, with DuckDB's types. */
  describe(sql: string): Promise<Column[]>;
  /** Writes a SELECT's rows to one local Parquet file (zstd); resolves with the row count. */
  stageParquet(sql: string, path: string): Promise<number>;
  /** Stops the statement running on this session, if any (DuckDB interrupt). */
  interrupt(): void;
}

/** The tables a single SELECT reads (see findTableReferences), without binding anything. */
export async function tableReferences(
  queries: QueryRunner,
  sql: string,
): Promise<TableReference[]> {
  return queries.withSession([], (connection) => findTableReferences(connection, sql));
}

/** Runs `fn` with a session on which `tables` are bound. */
export function withTableSession<T>(
  queries: QueryRunner,
  tables: BoundTable[],
  fn: (session: TableSession) => Promise<T>,
): Promise<T> {
  return queries.withSession(tables, (connection) => fn(sessionOf(connection)));
}

function sessionOf(connection: DuckDBConnection): TableSession {
  return {
    async rows(sql) {
      try {
        return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<
          string,
          unknown
        >[];
      } catch (error) {
        throw sqlError(error);
      }
    },
    async arrow(sql) {
      try {
        const { toArrowTable } = await import('./arrow-table.js');
        return toArrowTable(await connection.runAndReadAll(sql));
      } catch (error) {
        throw sqlError(error);
      }
    },
    describe: (sql) => describeSelect(connection, sql),
    async stageParquet(sql, path) {
      try {
        const reader = await connection.runAndReadAll(
          `COPY (${sql}) TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION zstd, RETURN_STATS true)`,
        );
        return reader
          .getRowObjectsJson()
          .reduce((n, row) => n + Number((row as { count: unknown }).count), 0);
      } catch (error) {
        throw sqlError(error);
      }
    },
    interrupt: () => connection.interrupt(),
  };
}
