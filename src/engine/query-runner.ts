import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog/catalog.js';
import type { AsOf, Table } from '../catalog/catalog-types.js';
import { quoteIdentifier } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';
import { sqlError, type DuckEngine } from './duck-engine.js';
import type { LocalFiles } from './local-files.js';
import { QueryResult, type ReadSnapshot } from './query-result.js';
import { QueryStream } from './query-stream.js';
import { findTableReferences, type TableReference } from './table-references.js';
import { tableViewSql, type PinnedTable } from './table-view.js';

export interface QueryOptions {
  /** Read every table as of a snapshot id (global across the lake) or a time. */
  asOf?: AsOf;
  /** The database that unqualified table names belong to. */
  database?: string;
  /**
   * False: the SQL may read the lake's tables but no other file and not the network
   * (`read_csv('/etc/passwd')` fails with SQL_ACCESS_DENIED). True unless the lake's
   * `engine.externalAccess` is false, which no caller can override.
   */
  externalAccess?: boolean;
}

let scopeCounter = 0;

/**
 * Runs read-only SQL over the catalog. The tables a query names are pinned at one snapshot
 * each and bound as views in a private in-memory database that the connection USEs for the
 * query, so concurrent queries at different snapshots never see each other's bindings.
 */
export class QueryRunner {
  constructor(
    private readonly engine: DuckEngine,
    private readonly catalog: Catalog,
    private readonly files: LocalFiles,
    /** The instance for queries without external access (see DuckEngine's `sandbox`). */
    private readonly sandbox: () => Promise<DuckEngine>,
  ) {}

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    return this.#run(sql, options, async (connection, snapshots) => {
      try {
        return new QueryResult(await connection.runAndReadAll(sql), snapshots);
      } catch (error) {
        throw sqlError(error);
      }
    });
  }

  /**
   * Runs `sql` as `query` does, but lends its result to `consume` as a stream of chunks
   * instead of reading it whole; the connection and the pinned tables are held until
   * `consume` settles.
   */
  async stream<T>(
    sql: string,
    options: QueryOptions,
    consume: (stream: QueryStream) => Promise<T>,
  ): Promise<T> {
    return this.#run(sql, options, async (connection, snapshots) => {
      let result;
      try {
        result = await connection.stream(sql);
      } catch (error) {
        throw sqlError(error);
      }
      return consume(new QueryStream(result, snapshots));
    });
  }

  /** Pins and binds the tables `sql` names, then runs `fn` on a connection that sees them. */
  async #run<T>(
    sql: string,
    options: QueryOptions,
    fn: (connection: DuckDBConnection, snapshots: ReadSnapshot[]) => Promise<T>,
  ): Promise<T> {
    const engine = options.externalAccess === false ? await this.sandbox() : this.engine;
    return engine.withConnection(async (connection) => {
      const references = await findTableReferences(connection, stripExplain(sql));
      const pinned = await Promise.all(references.map((ref) => this.pin(ref, options)));
      const snapshots = pinned.map((p) => ({
        table: p.pinned.table.fullName,
        snapshotId: p.pinned.snapshotId,
      }));
      return this.withBoundTables(connection, pinned, () => fn(connection, snapshots));
    });
  }

  /**
   * Runs `fn` on `connection` with the given tables bound under the names queries use.
   * Used by writers whose source is a query over lake tables.
   */
  async withBoundTables<T>(
    connection: DuckDBConnection,
    tables: Array<{ ref: TableReference; pinned: PinnedTable }>,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (tables.length === 0) return fn();
    const scope = `lakebox_q${process.pid}_${++scopeCounter}`;
    await connection.run(`ATTACH ':memory:' AS ${scope}`);
    try {
      const schemas = new Set(tables.map((t) => t.ref.schema || 'main'));
      for (const schema of schemas) {
        if (schema !== 'main')
          await connection.run(`CREATE SCHEMA ${scope}.${quoteIdentifier(schema)}`);
      }
      for (const { ref, pinned } of tables) {
        const name = `${scope}.${quoteIdentifier(ref.schema || 'main')}.${quoteIdentifier(ref.name)}`;
        await connection.run(`CREATE VIEW ${name} AS ${tableViewSql(pinned)}`);
      }
      await connection.run(`USE ${scope}`);
      return await fn();
    } finally {
      await connection.run('USE memory');
      await connection.run(`DETACH ${scope}`);
    }
  }

  /** Lends a connection with `tables` bound, for engine-level work over pinned tables. */
  async withSession<T>(
    tables: Array<{ ref: TableReference; pinned: PinnedTable }>,
    fn: (connection: DuckDBConnection) => Promise<T>,
  ): Promise<T> {
    return this.engine.withConnection((connection) =>
      this.withBoundTables(connection, tables, () => fn(connection)),
    );
  }

  /** Resolves a reference to a catalog table and pins it at the requested snapshot. */
  async pin(
    ref: TableReference,
    options: QueryOptions,
  ): Promise<{ ref: TableReference; pinned: PinnedTable }> {
    const database = ref.schema || options.database;
    if (!database) {
      const candidates = (await this.catalog.listTables())
        .filter((t) => t.name === ref.name)
        .map((t) => t.fullName);
      throw new LakeError(
        'TABLE_NOT_FOUND',
        `Table ${ref.name} is not qualified with a database: write DATABASE.${ref.name}${candidates.length ? ` (for example ${candidates.slice(0, 3).join(', ')})` : ''}.`,
      );
    }
    const table = await this.catalog.getTable(`${database}.${ref.name}`);
    return { ref, pinned: await this.pinTable(table, options.asOf) };
  }

  async pinTable(table: Table, asOf?: AsOf): Promise<PinnedTable> {
    const snapshot = await this.catalog.snapshotAsOf(table, asOf);
    const [schema, files] = await Promise.all([
      this.catalog.schema(table, snapshot?.schemaId ?? table.currentSchemaId),
      this.catalog.files(table, snapshot?.id ?? null),
    ]);
    const located = await Promise.all(
      files.map(async (file) => ({
        ...file,
        // Managed data files never change once written; an external table's files may be
        // replaced in place (even by one of the same size), so those are checked by ETag.
        localPath:
          table.kind === 'managed'
            ? await this.files.immutablePath(file.path, file.fileSize)
            : await this.files.localPath(file.path),
      })),
    );
    return { table, schema, snapshotId: snapshot?.id ?? null, files: located };
  }
}

/** `EXPLAIN [ANALYZE] SELECT ...` reads the same tables as the SELECT it explains. */
function stripExplain(sql: string): string {
  return sql.replace(/^\s*explain(\s+analyze)?\s+/i, '');
}
