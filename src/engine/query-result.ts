import type { DuckDBResultReader } from '@duckdb/node-api';
import type { Table as ArrowTable } from 'apache-arrow';
import { toArrowTable } from './arrow-table.js';

export interface ResultColumn {
  name: string;
  /** DuckDB type name, e.g. `BIGINT`, `DECIMAL(12,2)`, `TIMESTAMP WITH TIME ZONE`. */
  type: string;
}

/** The catalog snapshot a query read for each table it named. */
export interface ReadSnapshot {
  table: string;
  snapshotId: number | null;
}

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The materialized result of one query, readable as JS rows, JSON rows or Arrow. */
export class QueryResult {
  readonly columns: ResultColumn[];
  readonly rowCount: number;

  constructor(
    private readonly reader: DuckDBResultReader,
    readonly snapshots: ReadSnapshot[],
  ) {
    this.columns = reader
      .columnNames()
      .map((name, i) => ({ name, type: reader.columnTypes()[i]!.toString() }));
    this.rowCount = reader.currentRowCount;
  }

  /**
   * Rows as JS values: numbers, strings, booleans, Dates, Buffers, arrays and objects.
   * 64-bit and wider integers become numbers when exact, bigints otherwise.
   */
  rows(): Record<string, unknown>[] {
    return this.reader.getRowObjectsJS().map((row) => {
      for (const key of Object.keys(row)) {
        const value = row[key];
        if (typeof value === 'bigint' && Number.isSafeInteger(Number(value)))
          (row as Record<string, unknown>)[key] = Number(value);
      }
      return row as Record<string, unknown>;
    });
  }

  /** Rows as JSON-safe values (exact: big integers and decimals as strings). */
  jsonRows(): Record<string, JsonValue>[] {
    return this.reader.getRowObjectsJson() as Record<string, JsonValue>[];
  }

  /** Rows as arrays, in column order, JSON-safe. */
  jsonTuples(): JsonValue[][] {
    return this.reader.getRowsJson() as JsonValue[][];
  }

  toArrow(): ArrowTable {
    return toArrowTable(this.reader);
  }
}
