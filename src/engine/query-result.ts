import {
  DuckDBDecimalType,
  DuckDBTypeId,
  type DuckDBResultReader,
  type DuckDBType,
} from '@duckdb/node-api';
import type { Table as ArrowTable } from 'apache-arrow';

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

  /**
   * Rows as JSON-safe values. Integers and narrow decimals are numbers where a double holds
   * them exactly; wider ones stay exact as strings, as do times and intervals.
   */
  jsonRows(): Record<string, JsonValue>[] {
    const names = this.reader.columnNames();
    return this.jsonTuples().map((tuple) =>
      Object.fromEntries(names.map((name, i) => [name, tuple[i]!])),
    );
  }

  /** Rows as arrays, in column order, JSON-safe as in `jsonRows`. */
  jsonTuples(): JsonValue[][] {
    return jsonSafeTuples(this.reader.columnTypes())(this.reader.getRowsJson() as JsonValue[][]);
  }

  /** The result as an Arrow table (apache-arrow is loaded on first use). */
  async toArrow(): Promise<ArrowTable> {
    const { toArrowTable } = await import('./arrow-table.js');
    return toArrowTable(this.reader);
  }
}

const INTEGER_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

/**
 * DuckDB's JSON rows made JSON-safe for columns of `types`, as `jsonTuples` describes; one
 * function for a whole result and for each chunk of a streamed one, so both agree.
 */
export function jsonSafeTuples(types: DuckDBType[]): (tuples: JsonValue[][]) => JsonValue[][] {
  const numeric = types.map(isNumeric);
  return (tuples) =>
    tuples.map((tuple) =>
      tuple.map((value, i) =>
        numeric[i] && typeof value === 'string' ? exactNumber(value) : value,
      ),
    );
}

function isNumeric(type: DuckDBType): boolean {
  return INTEGER_TYPES.has(type.typeId) || (type instanceof DuckDBDecimalType && type.width <= 15);
}

function exactNumber(text: string): JsonValue {
  const value = Number(text);
  const exact = Number.isFinite(value) && (Number.isSafeInteger(value) || !/^-?\d+$/.test(text));
  return exact ? value : text;
}
