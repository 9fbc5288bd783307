import type { Column } from '../catalog/catalog-types.js';
import { quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';

/**
 * A FROM-clause source over Parquet files with every one of `columns`, by name. When the
 * files may predate columns added since (`evolved`), they are read BY NAME against a typed
 * empty row of all columns, so a column no file has yet still exists (as NULL) with its
 * catalog type; otherwise the plain reader keeps DuckDB's fastest path.
 */
export function parquetScan(
  columns: Column[],
  paths: string[],
  options: { evolved: boolean },
): string {
  const list = `[${paths.map(quoteLiteral).join(', ')}]`;
  if (!options.evolved) return `read_parquet(${list})`;
  const empty = columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdentifier(c.name)}`);
  return `(SELECT ${empty.join(', ')} WHERE false UNION ALL BY NAME SELECT * FROM read_parquet(${list}, union_by_name = true))`;
}
