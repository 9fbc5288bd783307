import { DuckDBTypeId, type DuckDBResultReader, type DuckDBType } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { jsonReplacer } from './json-replacer.js';

type Converter = { type: (t: DuckDBType) => arrow.DataType; value: (v: unknown) => unknown };

const same = (v: unknown) => v;
const text = (v: unknown) =>
  v === null || v === undefined
    ? null
    : typeof v === 'string'
      ? v
      : JSON.stringify(v, jsonReplacer);
const asText: Converter = { type: () => new arrow.Utf8(), value: text };
const asNumber = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const asDate = (v: unknown) =>
  v instanceof Date ? v.getTime() : v === null || v === undefined ? null : Number(v);

/**
 * How each DuckDB type becomes an Arrow column. Exhaustive on purpose: a DuckDB type added
 * in an upgrade breaks the build here instead of a user's query. Values without an exact
 * Arrow counterpart in apache-arrow's JS builders (wide decimals, huge integers, intervals,
 * times, nested values) are carried as text (JSON for nested values).
 */
const CONVERTERS: Record<DuckDBTypeId, Converter> = {
  [DuckDBTypeId.INVALID]: asText,
  [DuckDBTypeId.BOOLEAN]: { type: () => new arrow.Bool(), value: same },
  [DuckDBTypeId.TINYINT]: { type: () => new arrow.Int8(), value: same },
  [DuckDBTypeId.SMALLINT]: { type: () => new arrow.Int16(), value: same },
  [DuckDBTypeId.INTEGER]: { type: () => new arrow.Int32(), value: same },
  [DuckDBTypeId.BIGINT]: { type: () => new arrow.Int64(), value: same },
  [DuckDBTypeId.UTINYINT]: { type: () => new arrow.Uint8(), value: same },
  [DuckDBTypeId.USMALLINT]: { type: () => new arrow.Uint16(), value: same },
  [DuckDBTypeId.UINTEGER]: { type: () => new arrow.Uint32(), value: same },
  [DuckDBTypeId.UBIGINT]: { type: () => new arrow.Uint64(), value: same },
  [DuckDBTypeId.FLOAT]: { type: () => new arrow.Float32(), value: same },
  [DuckDBTypeId.DOUBLE]: { type: () => new arrow.Float64(), value: same },
  [DuckDBTypeId.DECIMAL]: {
    type: (t) => ('width' in t && Number(t.width) <= 15 ? new arrow.Float64() : new arrow.Utf8()),
    value: same,
  },
  [DuckDBTypeId.HUGEINT]: asText,
  [DuckDBTypeId.UHUGEINT]: asText,
  [DuckDBTypeId.BIGNUM]: asText,
  [DuckDBTypeId.VARCHAR]: { type: () => new arrow.Utf8(), value: same },
  [DuckDBTypeId.STRING_LITERAL]: { type: () => new arrow.Utf8(), value: same },
  [DuckDBTypeId.ENUM]: { type: () => new arrow.Utf8(), value: same },
  [DuckDBTypeId.UUID]: { type: () => new arrow.Utf8(), value: same },
  [DuckDBTypeId.BLOB]: { type: () => new arrow.Binary(), value: same },
  [DuckDBTypeId.BIT]: asText,
  [DuckDBTypeId.DATE]: { type: () => new arrow.DateMillisecond(), value: asDate },
  [DuckDBTypeId.TIMESTAMP]: { type: () => new arrow.TimestampMillisecond(), value: asDate },
  [DuckDBTypeId.TIMESTAMP_S]: { type: () => new arrow.TimestampMillisecond(), value: asDate },
  [DuckDBTypeId.TIMESTAMP_MS]: { type: () => new arrow.TimestampMillisecond(), value: asDate },
  [DuckDBTypeId.TIMESTAMP_NS]: { type: () => new arrow.TimestampMillisecond(), value: asDate },
  [DuckDBTypeId.TIMESTAMP_TZ]: { type: () => new arrow.TimestampMillisecond('UTC'), value: asDate },
  [DuckDBTypeId.TIME]: asText,
  [DuckDBTypeId.TIME_NS]: asText,
  [DuckDBTypeId.TIME_TZ]: asText,
  [DuckDBTypeId.INTERVAL]: asText,
  [DuckDBTypeId.LIST]: asText,
  [DuckDBTypeId.ARRAY]: asText,
  [DuckDBTypeId.STRUCT]: asText,
  [DuckDBTypeId.MAP]: asText,
  [DuckDBTypeId.UNION]: asText,
  [DuckDBTypeId.VARIANT]: asText,
  [DuckDBTypeId.GEOMETRY]: asText,
  [DuckDBTypeId.ANY]: asText,
  [DuckDBTypeId.SQLNULL]: { type: () => new arrow.Null(), value: () => null },
  [DuckDBTypeId.INTEGER_LITERAL]: { type: () => new arrow.Float64(), value: asNumber },
};

/** A DuckDB result as an Arrow table, column by column. */
export function toArrowTable(reader: DuckDBResultReader): arrow.Table {
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const columns = reader.getColumnsJS();
  const vectors: Record<string, arrow.Vector> = {};
  names.forEach((name, index) => {
    const converter = CONVERTERS[types[index]!.typeId];
    const type = converter.type(types[index]!);
    vectors[name] = arrow.vectorFromArray(columns[index]!.map(converter.value) as never[], type);
  });
  return new arrow.Table(vectors);
}
