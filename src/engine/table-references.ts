import type { DuckDBConnection } from '@duckdb/node-api';
import { LakeError } from '../errors/lake-error.js';
import { quoteLiteral } from '../catalog/identifier.js';
import { sqlError } from './duck-engine.js';

/** A table a query names, as written: `schema` is the lake database, empty when unqualified. */
export interface TableReference {
  schema: string;
  name: string;
}

// Schemas that belong to DuckDB itself, never to the lake.
const SYSTEM_SCHEMAS = new Set(['information_schema', 'pg_catalog']);

/**
 * The tables a single SELECT reads, found in DuckDB's own parse tree (`json_serialize_sql`),
 * so joins, subqueries, set operations and CTEs are all seen exactly as DuckDB sees them.
 * Names bound by a CTE are not tables and are left out.
 *
 * @throws LakeError SQL_ERROR for a syntax error (DuckDB's message, with line and caret),
 *   UNSUPPORTED_STATEMENT for anything but one SELECT.
 */
export async function findTableReferences(
  connection: DuckDBConnection,
  sql: string,
): Promise<TableReference[]> {
  const reader = await connection.runAndReadAll(
    `SELECT json_serialize_sql(${quoteLiteral(sql)}) AS tree`,
  );
  const tree = JSON.parse(String(reader.getRowsJS()[0]![0])) as SerializedSql;
  if (tree.error) {
    if (tree.error_type === 'parser') {
      // Parse again through the connection for DuckDB's full message with line and caret.
      try {
        await connection.extractStatements(sql);
      } catch (error) {
        throw sqlError(error);
      }
      throw sqlError(new Error(`Parser Error: ${tree.error_message}`));
    }
    throw new LakeError(
      'UNSUPPORTED_STATEMENT',
      'Only SELECT queries can run against the lake; to write a table use writeTable (lakebox load) or a job.',
    );
  }
  if (tree.statements.length !== 1) {
    throw new LakeError(
      'UNSUPPORTED_STATEMENT',
      `Run one statement at a time (got ${tree.statements.length}).`,
    );
  }
  const references = new Map<string, TableReference>();
  const cteNames = new Set<string>();
  collect(tree.statements[0], references, cteNames);
  return [...references.values()].filter(
    (ref) => !SYSTEM_SCHEMAS.has(ref.schema) && !(ref.schema === '' && cteNames.has(ref.name)),
  );
}

interface SerializedSql {
  error: boolean;
  error_type?: string;
  error_message?: string;
  statements: unknown[];
}

function collect(
  node: unknown,
  references: Map<string, TableReference>,
  cteNames: Set<string>,
): void {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, references, cteNames);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (record['type'] === 'BASE_TABLE' && typeof record['table_name'] === 'string') {
    const ref = {
      schema: String(record['schema_name'] ?? '').toLowerCase(),
      name: record['table_name'].toLowerCase(),
    };
    references.set(`${ref.schema}.${ref.name}`, ref);
  }
  const cteMap = record['cte_map'] as { map?: Array<{ key?: string }> } | undefined;
  for (const entry of cteMap?.map ?? []) if (entry.key) cteNames.add(entry.key.toLowerCase());
  for (const value of Object.values(record)) collect(value, references, cteNames);
}

/**
 * Checks that user SQL meant as one expression (a merge's delete condition, a filter) is
 * exactly one expression, so it cannot end the statement it is placed in.
 *
 * @throws LakeError INVALID_ARGUMENT naming the option.
 */
export async function validateExpression(
  connection: DuckDBConnection,
  expression: string,
  option: string,
): Promise<void> {
  const reader = await connection.runAndReadAll(
    `SELECT json_serialize_sql(${quoteLiteral(`SELECT (${expression}) FROM t`)}) AS tree`,
  );
  const tree = JSON.parse(String(reader.getRowsJS()[0]![0])) as SerializedSql;
  if (tree.error || tree.statements.length !== 1) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${option} must be one SQL expression, such as op = 'D'${tree.error_message ? ` (${tree.error_message})` : ''}.`,
    );
  }
}
