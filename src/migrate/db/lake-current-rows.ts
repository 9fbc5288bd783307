import { quoteIdentifier, quoteLiteral } from '../../catalog/identifier.js';
import type { QueryRunner } from '../../engine/query-runner.js';
import type { RowText } from './cdc-change.js';
import { rowKey, type CurrentRows } from './fill-unchanged.js';
import type { SourceTable } from './source.js';
import type { TablePlan } from './table-mapping.js';

/**
 * The lake table's current rows for some keys, turned back into the text a change table's
 * CSV carries for each source column (the inverse of the casts the write made): lists as
 * JSON, blobs as `\xAB` escapes, everything else as DuckDB's text, which its casts read back
 * exactly. Columns the task's transformations drop have no lake value and stay NULL.
 */
export function lakeCurrentRows(
  queries: () => Promise<QueryRunner>,
  target: string,
  table: SourceTable,
  plan: TablePlan,
): CurrentRows {
  return async (keys) => {
    const found = new Map<string, RowText>();
    if (keys.length === 0) return found;
    const lakeName = new Map(
      plan.projection.map((p) => [p.expression, p.name] as const).filter(([e]) => e !== ''),
    );
    const columns = table.columns.flatMap((column) => {
      const name = lakeName.get(quoteIdentifier(column.name));
      return name
        ? [{ source: column.name, sql: textOf(`t.${quoteIdentifier(name)}`, column.lakeType) }]
        : [];
    });
    const keyTypes = table.keyColumns.map((k) => table.columns.find((c) => c.name === k)!.lakeType);
    const values = keys
      .map(
        (key) =>
          `(${[rowKey(table.keyColumns, key), ...table.keyColumns.map((k) => key[k]!)].map(quoteLiteral).join(', ')})`,
      )
      .join(', ');
    const on = plan.keyColumns
      .map((k, i) => `t.${quoteIdentifier(k)} = CAST(v.k${i} AS ${keyTypes[i]})`)
      .join(' AND ');
    const sql = `SELECT v.__key, ${columns.map((c, i) => `${c.sql} AS c${i}`).join(', ')} FROM ${target} t JOIN (VALUES ${values}) v(__key, ${plan.keyColumns.map((_, i) => `k${i}`).join(', ')}) ON ${on}`;
    const result = await (await queries()).query(sql);
    for (const row of result.jsonTuples()) {
      const text: RowText = {};
      columns.forEach((c, i) => (text[c.source] = (row[i + 1] as string | null) ?? null));
      found.set(row[0] as string, text);
    }
    return found;
  };
}

function textOf(ref: string, lakeType: string): string {
  if (lakeType.endsWith('[]')) return `CAST(to_json(${ref}) AS VARCHAR)`;
  if (lakeType === 'BLOB') return `regexp_replace(hex(${ref}), '(..)', '\\\\x\\1', 'g')`;
  return `CAST(${ref} AS VARCHAR)`;
}
