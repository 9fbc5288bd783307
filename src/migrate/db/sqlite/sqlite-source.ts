import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { quoteIdentifier } from '../../../catalog/identifier.js';
import { LakeError } from '../../../errors/lake-error.js';
import type {
  ConnectionCheck,
  KeyRange,
  Source,
  SourceCapabilities,
  SourceTable,
  SourceTableRef,
} from '../source.js';
import type { SqliteSettings } from '../source-settings.js';
import { csvField } from '../csv-field.js';
import { sqliteLakeType } from './sqlite-types.js';

const ROWS_PER_CHUNK = 2000;

/** SQLite: full load by reading each table (one connection, no CDC). */
export class SqliteSource implements Source {
  readonly engine = 'sqlite' as const;
  readonly capabilities: SourceCapabilities = {
    supportsCdc: false,
    supportsSnapshots: false,
    supportsKeyRanges: false,
  };

  constructor(
    readonly name: string,
    readonly settings: SqliteSettings,
  ) {}

  async testConnection(): Promise<ConnectionCheck[]> {
    try {
      const db = this.open();
      db.prepare('select count(*) from sqlite_master').get();
      db.close();
      return [
        { check: 'reachable', ok: true, message: `SQLite database ${this.settings.path} opens` },
      ];
    } catch (error) {
      return [{ check: 'reachable', ok: false, message: (error as LakeError).message }];
    }
  }

  async listTables(): Promise<SourceTableRef[]> {
    const db = this.open();
    try {
      return (
        db
          .prepare(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
          )
          .all() as Array<{ name: string }>
      ).map((r) => ({ schema: 'main', name: r.name }));
    } finally {
      db.close();
    }
  }

  async describeTable(ref: SourceTableRef): Promise<SourceTable> {
    const db = this.open();
    try {
      const columns = db.prepare(`pragma table_info(${quoteIdentifier(ref.name)})`).all() as Array<{
        name: string;
        type: string;
        notnull: number;
        pk: number;
      }>;
      if (columns.length === 0)
        throw new LakeError(
          'SOURCE_TABLE_NOT_FOUND',
          `Source ${this.name} has no table ${ref.name}; it may have been dropped or renamed.`,
        );
      const count = db.prepare(`select count(*) as n from ${quoteIdentifier(ref.name)}`).get() as {
        n: number;
      };
      return {
        schema: 'main',
        name: ref.name,
        columns: columns.map((c) => ({
          name: c.name,
          sourceType: c.type,
          lakeType: sqliteLakeType(c.type),
          nullable: c.notnull === 0,
        })),
        keyColumns: columns
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name),
        replicaIdentity: null,
        estimatedRows: count.n,
      };
    } finally {
      db.close();
    }
  }

  async keyRanges(): Promise<KeyRange[]> {
    return [{ from: null, to: null }];
  }

  async streamTable(table: SourceTable): Promise<Readable> {
    const db = this.open();
    const blobs = table.columns.map((c) => c.lakeType === 'BLOB');
    const statement = db
      .prepare(
        `select ${table.columns.map((c) => quoteIdentifier(c.name)).join(', ')} from ${quoteIdentifier(table.name)}`,
      )
      .raw(true)
      .safeIntegers(true);
    function* lines(): Generator<string> {
      try {
        let chunk = '';
        let n = 0;
        for (const row of statement.iterate() as Iterable<unknown[]>) {
          chunk += `${row.map((v, i) => csvField(v, blobs[i]!)).join(',')}\n`;
          if (++n % ROWS_PER_CHUNK === 0) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      } finally {
        db.close();
      }
    }
    return Readable.from(lines());
  }

  async close(): Promise<void> {}

  private open(): Database.Database {
    try {
      return new Database(this.settings.path, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new LakeError(
        'SOURCE_UNREACHABLE',
        `Source ${this.name}: cannot open SQLite database ${this.settings.path} (${(error as Error).message}); check the path.`,
        { cause: error },
      );
    }
  }
}
