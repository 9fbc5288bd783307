import type { DuckDBResult } from '@duckdb/node-api';
import { sqlError } from './duck-engine.js';
import {
  jsonSafeTuples,
  type JsonValue,
  type ReadSnapshot,
  type ResultColumn,
} from './query-result.js';

/**
 * A query's result read from DuckDB one chunk (up to 2,048 rows) at a time, for results too
 * large to hold: only the chunk being read is in memory, and DuckDB computes the next one
 * when it is asked for. A stream is lent for the duration of a callback (see
 * `Lake.streamQuery`) and can be read once; stopping early is fine.
 */
export class QueryStream {
  readonly columns: ResultColumn[];
  #rowCount = 0;
  #read = false;

  constructor(
    private readonly result: DuckDBResult,
    readonly snapshots: ReadSnapshot[],
  ) {
    this.columns = result
      .columnNames()
      .map((name, i) => ({ name, type: result.columnType(i).toString() }));
  }

  /** The number of rows read so far. */
  get rowCount(): number {
    return this.#rowCount;
  }

  /**
   * The rows in chunks, each row an array in column order, JSON-safe as
   * `QueryResult.jsonTuples` makes them.
   *
   * @example for await (const rows of stream.jsonTuples()) out.write(rows.map(csvLine).join(''));
   * @throws LakeError SQL_ERROR when DuckDB fails on a later chunk (a cast that fails at row
   *   3,000,000 fails there, not when the query starts).
   */
  async *jsonTuples(): AsyncGenerator<JsonValue[][], void, undefined> {
    if (this.#read) throw new Error('A QueryStream can be read once.');
    this.#read = true;
    const convert = jsonSafeTuples(this.result.columnTypes());
    const chunks = this.result.yieldRowsJson();
    while (true) {
      let next: IteratorResult<unknown[][]>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw sqlError(error);
      }
      if (next.done) return;
      const rows = convert(next.value as JsonValue[][]);
      this.#rowCount += rows.length;
      yield rows;
    }
  }

  /** The rows in chunks, each row an object keyed by column name, JSON-safe. */
  async *jsonRows(): AsyncGenerator<Array<Record<string, JsonValue>>, void, undefined> {
    const names = this.columns.map((c) => c.name);
    for await (const tuples of this.jsonTuples())
      yield tuples.map((tuple) => Object.fromEntries(names.map((name, i) => [name, tuple[i]!])));
  }
}
