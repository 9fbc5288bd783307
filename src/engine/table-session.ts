import type { DuckDBConnection } from '@duckdb/node-api';
import type * as arrow from 'apache-arrow';
import type { Column } from '../catalog/catalog-types.js';
import { quoteLiteral } from '../catalog/identifier.js';
import { describeSelect } from './column-plan.js';
import { sqlError } from './duck-engine.js';
import type { QueryRunner } from './query-runner.js';
import { findTableReferences, type TableReference } from './table-references.js';
import type { BoundTable } from './table-writer.js';
import { readTypedColumns, type TypedColumn, type TypedColumnKind } from './typed-columns.js';

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
  /** Columns of a SELECT as typed arrays (see readTypedColumns), never as row objects. */
  typedColumns(
    sql: string,
    columns: ReadonlyArray<{ name: string; kind: TypedColumnKind }>,
  ): Promise<{ rows: number; columns: TypedColumn[] }>;
  /** Runs a statement that returns nothing of interest (CREATE TEMP TABLE, DROP). */
  execute(sql: string): Promise<void>;
  /** Appends rows given as equal-length DOUBLE columns to an existing (temporary) table. */
  appendColumns(table: string, columns: readonly Float64Array[]): Promise<void>;
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
    typedColumns: (sql, columns) => readTypedColumns(connection, sql, columns),
    async execute(sql) {
      try {
        await connection.run(sql);
      } catch (error) {
        throw sqlError(error);
      }
    },
    async appendColumns(table, columns) {
      const appender = await connection.createAppender(table);
      try {
        const rows = columns[0]?.length ?? 0;
        for (let row = 0; row < rows; row++) {
          for (const column of columns) appender.appendDouble(column[row]!);
          appender.endRow();
        }
        appender.flushSync();
      } catch (error) {
        throw sqlError(error);
      } finally {
        appender.closeSync();
      }
    },
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
