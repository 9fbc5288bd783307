import type { Readable } from 'node:stream';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { quoteIdentifier } from '../../../catalog/identifier.js';
import { LakeError } from '../../../errors/lake-error.js';
import type {
  ConnectionCheck,
  KeyRange,
  Source,
  SourceCapabilities,
  SourceColumn,
  SourceTable,
  SourceTableRef,
  StreamOptions,
} from '../source.js';
import type { PostgresSettings } from '../source-settings.js';
import { connectClient, postgresError } from './postgres-connection.js';
import { copyExpression, lakeTypeOf, type PostgresType } from './postgres-types.js';
import { checkReplicationReadiness } from './postgres-readiness.js';

/** A PostgreSQL table with each column's catalog type, for COPY and for replication. */
export interface PostgresTable extends SourceTable {
  oid: number;
  types: PostgresType[];
}

const INTEGER_KEYS = new Set(['SMALLINT', 'INTEGER', 'BIGINT']);

/** PostgreSQL: full load with COPY ... TO STDOUT, CDC with pgoutput (see postgres-replication). */
export class PostgresSource implements Source {
  readonly engine = 'postgres' as const;
  readonly capabilities: SourceCapabilities = {
    supportsCdc: true,
    supportsSnapshots: true,
    supportsKeyRanges: true,
  };

  constructor(
    readonly name: string,
    readonly settings: PostgresSettings,
  ) {}

  connect(options: { replication?: boolean } = {}): Promise<pg.Client> {
    return connectClient(this.name, this.settings, options);
  }

  async testConnection(options: { cdc: boolean }): Promise<ConnectionCheck[]> {
    const where = `${this.settings.host}:${this.settings.port}`;
    let client: pg.Client;
    try {
      client = await this.connect();
    } catch (error) {
      const e = postgresError(error, this.name, this.settings);
      if (e.code === 'SOURCE_AUTH_FAILED')
        return [
          { check: 'reachable', ok: true, message: `PostgreSQL answers at ${where}` },
          { check: 'credentials', ok: false, message: e.message },
        ];
      return [{ check: 'reachable', ok: false, message: e.message }];
    }
    try {
      const checks: ConnectionCheck[] = [
        { check: 'reachable', ok: true, message: `PostgreSQL answers at ${where}` },
        {
          check: 'credentials',
          ok: true,
          message: `logged in as ${this.settings.user} to ${this.settings.database}`,
        },
      ];
      if (options.cdc) checks.push(...(await checkReplicationReadiness(client, this.name)));
      return checks;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async listTables(): Promise<SourceTableRef[]> {
    return this.withClient(async (client) => {
      const result = await client.query<{ schema: string; name: string }>(
        `select n.nspname as schema, c.relname as name from pg_class c
           join pg_namespace n on n.oid = c.relnamespace
          where c.relkind in ('r', 'p') and not c.relispartition
            and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
          order by 1, 2`,
      );
      return result.rows;
    });
  }

  describeTable(ref: SourceTableRef): Promise<PostgresTable> {
    return this.withClient((client) => describePostgresTable(client, ref, this.name));
  }

  async keyRanges(table: SourceTable, parts: number): Promise<KeyRange[]> {
    const key = table.keyColumns[0];
    const keyType = table.columns.find((c) => c.name === key)?.lakeType;
    if (parts <= 1 || !key || !keyType || !INTEGER_KEYS.has(keyType))
      return [{ from: null, to: null }];
    const { rows } = await this.withClient((client) =>
      client.query<{ lo: string | null; hi: string | null }>(
        `select min(${quoteIdentifier(key)})::text as lo, max(${quoteIdentifier(key)})::text as hi from ${qualified(table)}`,
      ),
    );
    if (rows[0]?.lo == null || rows[0].hi == null) return [{ from: null, to: null }];
    const lo = BigInt(rows[0].lo);
    const hi = BigInt(rows[0].hi) + 1n;
    const step = (hi - lo + BigInt(parts) - 1n) / BigInt(parts);
    if (step <= 0n) return [{ from: null, to: null }];
    const ranges: KeyRange[] = [];
    for (let i = 0; i < parts; i++) {
      const from = lo + step * BigInt(i);
      if (from >= hi) break;
      ranges.push({
        from: i === 0 ? null : String(from),
        to: i === parts - 1 ? null : String(from + step),
      });
    }
    ranges[ranges.length - 1]!.to = null;
    return ranges;
  }

  async streamTable(table: SourceTable, options: StreamOptions = {}): Promise<Readable> {
    const pgTable = table as PostgresTable;
    const client = await this.connect();
    try {
      await client.query('begin isolation level repeatable read read only');
      if (options.snapshot)
        await client.query(`set transaction snapshot '${options.snapshot.replace(/'/g, "''")}'`);
      const select = pgTable.columns
        .map((c, i) => copyExpression(c.name, pgTable.types[i]!))
        .join(', ');
      const where = rangeCondition(table, options.range);
      const stream = client.query(
        copyTo(`copy (select ${select} from ${qualified(table)}${where}) to stdout (format csv)`),
      );
      const release = () => void client.end().catch(() => undefined);
      stream.once('end', release);
      stream.once('error', release);
      stream.once('close', release);
      return stream;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw postgresError(error, this.name, this.settings);
    }
  }

  /**
   * Exports a snapshot that every stream of a load then reads at, so that parallel ranges
   * see one consistent state; it lasts until `release`.
   */
  async exportSnapshot(): Promise<{ id: string; release(): Promise<void> }> {
    const client = await this.connect();
    await client.query('begin isolation level repeatable read read only');
    const { rows } = await client.query<{ id: string }>('select pg_export_snapshot() as id');
    return {
      id: rows[0]!.id,
      release: async () => {
        await client.query('commit').catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  }

  async withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      return await fn(client);
    } catch (error) {
      throw postgresError(error, this.name, this.settings);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {}
}

export function qualified(ref: SourceTableRef): string {
  return `${quoteIdentifier(ref.schema)}.${quoteIdentifier(ref.name)}`;
}

function rangeCondition(table: SourceTable, range: KeyRange | undefined): string {
  if (!range || (range.from === null && range.to === null)) return '';
  const key = quoteIdentifier(table.keyColumns[0]!);
  const bounds: string[] = [];
  // Bounds come from min/max of an integer key, computed here; BigInt() proves them numeric.
  if (range.from !== null) bounds.push(`${key} >= ${BigInt(range.from).toString()}`);
  if (range.to !== null) bounds.push(`${key} < ${BigInt(range.to).toString()}`);
  return ` where ${bounds.join(' and ')}`;
}

/** Columns (with catalog types), primary key, replica identity and row estimate of a table. */
export async function describePostgresTable(
  client: pg.Client,
  ref: SourceTableRef,
  source: string,
): Promise<PostgresTable> {
  const rel = await client.query<{ oid: number; identity: string; estimate: number }>(
    `select c.oid::int as oid, c.relreplident as identity, greatest(c.reltuples, 0)::float8 as estimate
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p')`,
    [ref.schema, ref.name],
  );
  const row = rel.rows[0];
  if (!row)
    throw new LakeError(
      'SOURCE_TABLE_NOT_FOUND',
      `Source ${source} has no table ${ref.schema}.${ref.name}; it may have been dropped or renamed.`,
    );
  const columns = await client.query<{
    name: string;
    nullable: boolean;
    oid: number;
    typmod: number;
  }>(
    `select a.attname as name, not a.attnotnull as nullable, a.atttypid::int as oid, a.atttypmod as typmod
       from pg_attribute a
      where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    [row.oid],
  );
  const keys = await client.query<{ name: string }>(
    `select a.attname as name from pg_index i
       join lateral unnest(i.indkey) with ordinality as k(attnum, ord) on true
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
      where i.indrelid = $1 and i.indisprimary order by k.ord`,
    [row.oid],
  );
  const types = await describeTypes(client, columns.rows);
  return {
    schema: ref.schema,
    name: ref.name,
    oid: row.oid,
    columns: columns.rows.map((c, i) => sourceColumn(c.name, types[i]!, c.nullable)),
    types,
    keyColumns: keys.rows.map((k) => k.name),
    replicaIdentity:
      { d: 'default', f: 'full', n: 'nothing', i: 'index' }[row.identity] ?? row.identity,
    estimatedRows: Math.round(row.estimate),
  };
}

/** A column as the migration code sees it: its source type and the lake type it maps to. */
export function sourceColumn(name: string, type: PostgresType, nullable: boolean): SourceColumn {
  return { name, sourceType: type.formatted, lakeType: lakeTypeOf(type), nullable };
}

/** The catalog's description of types given by oid and type modifier, in their order. */
export async function describeTypes(
  client: pg.Client,
  types: Array<{ oid: number; typmod: number }>,
): Promise<PostgresType[]> {
  const { rows } = await client.query<{
    formatted: string;
    typtype: string;
    category: string;
    elem_formatted: string | null;
    elem_typtype: string | null;
    elem_category: string | null;
  }>(
    `select format_type(x.oid, x.typmod) as formatted, t.typtype, t.typcategory as category,
            case when t.typcategory = 'A' then format_type(t.typelem, x.typmod) end as elem_formatted,
            e.typtype as elem_typtype, e.typcategory as elem_category
       from unnest($1::oid[], $2::int[]) with ordinality as x(oid, typmod, ord)
       join pg_type t on t.oid = x.oid
       left join pg_type e on e.oid = t.typelem and t.typcategory = 'A'
      order by x.ord`,
    [types.map((t) => t.oid), types.map((t) => t.typmod)],
  );
  return rows.map((c, i) => ({
    formatted: c.formatted,
    typtype: c.typtype,
    category: c.category,
    oid: types[i]!.oid,
    typmod: types[i]!.typmod,
    element:
      c.elem_formatted === null
        ? undefined
        : {
            formatted: c.elem_formatted,
            typtype: c.elem_typtype ?? 'b',
            category: c.elem_category ?? '',
          },
  }));
}
