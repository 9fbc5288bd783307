import { validateIdentifier } from '../../catalog/identifier.js';
import { LakeError } from '../../errors/lake-error.js';
import type { SourceTable, SourceTableRef } from './source.js';

/** Which source tables a task takes (DMS selection rules); `%` matches any run of characters. */
export interface SelectionRule {
  action: 'include' | 'exclude';
  schema?: string;
  table: string;
}

/** How tables and columns change on the way into the lake (DMS transformation rules). */
export type TransformationRule =
  | { action: 'rename-table'; schema?: string; table: string; to: string }
  | { action: 'add-prefix'; schema?: string; table?: string; prefix: string }
  | { action: 'rename-column'; schema?: string; table?: string; column: string; to: string }
  | { action: 'drop-column'; schema?: string; table?: string; column: string }
  | {
      action: 'add-column';
      schema?: string;
      table?: string;
      column: string;
      /** A literal value, or a DuckDB SQL expression over the table's (renamed) columns. */
      value?: string | number | boolean | null;
      expression?: string;
    };

export interface TableMappings {
  selection: SelectionRule[];
  transformations?: TransformationRule[];
}

/** A table's way into the lake: its target name and the columns as DuckDB expressions. */
export interface TablePlan {
  target: string;
  projection: Array<{ name: string; expression: string }>;
  /** Key columns by their lake names. */
  keyColumns: string[];
}

function matcher(pattern: string | undefined): (value: string) => boolean {
  if (pattern === undefined) return () => true;
  const regex = new RegExp(
    `^${pattern
      .split('%')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return (value) => regex.test(value);
}

function applies(rule: { schema?: string; table?: string }, ref: SourceTableRef): boolean {
  return matcher(rule.schema)(ref.schema) && matcher(rule.table)(ref.name);
}

/** The tables the selection rules take: included by some rule and excluded by none. */
export function selectTables(mappings: TableMappings, tables: SourceTableRef[]): SourceTableRef[] {
  return tables.filter(
    (t) =>
      mappings.selection.some((r) => r.action === 'include' && applies(r, t)) &&
      !mappings.selection.some((r) => r.action === 'exclude' && applies(r, t)),
  );
}

/** Checks rules' shapes and names up front, so a bad task is refused at create. */
export function checkMappings(mappings: TableMappings): TableMappings {
  if (!Array.isArray(mappings.selection) || mappings.selection.length === 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      'A migration task needs at least one selection rule, e.g. include public.%.',
    );
  for (const rule of mappings.selection)
    if (rule.action !== 'include' && rule.action !== 'exclude')
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown selection action "${String(rule.action)}": use include or exclude.`,
      );
  for (const rule of mappings.transformations ?? []) {
    switch (rule.action) {
      case 'rename-table':
        validateIdentifier(rule.to, 'table name');
        break;
      case 'add-prefix':
        validateIdentifier(`${rule.prefix}x`, 'table prefix');
        break;
      case 'rename-column':
      case 'drop-column':
      case 'add-column':
        if (!rule.column)
          throw new LakeError('INVALID_ARGUMENT', `Rule ${rule.action} needs a column.`);
        if (rule.action === 'add-column' && rule.expression?.includes(';'))
          throw new LakeError(
            'INVALID_ARGUMENT',
            `The expression of added column ${rule.column} must be one SQL expression.`,
          );
        break;
      default:
        throw new LakeError(
          'INVALID_ARGUMENT',
          `Unknown transformation "${String((rule as { action: unknown }).action)}": use rename-table, add-prefix, rename-column, drop-column or add-column.`,
        );
    }
  }
  return mappings;
}

/** Applies the transformation rules to one source table. */
export function planTable(
  mappings: TableMappings,
  table: SourceTable,
  quote: (name: string) => string,
  literal: (value: string) => string,
): TablePlan {
  const rules = (mappings.transformations ?? []).filter((r) => applies(r, table));
  let target = table.name.toLowerCase();
  for (const rule of rules) if (rule.action === 'rename-table') target = rule.to.toLowerCase();
  for (const rule of rules)
    if (rule.action === 'add-prefix') target = `${rule.prefix}${target}`.toLowerCase();
  validateIdentifier(target, 'target table name');
  const names = new Map(table.columns.map((c) => [c.name, c.name]));
  for (const rule of rules) {
    if (rule.action === 'rename-column' && names.has(rule.column)) names.set(rule.column, rule.to);
    if (rule.action === 'drop-column') names.delete(rule.column);
  }
  const projection = [...names].map(([from, to]) => ({ name: to, expression: quote(from) }));
  for (const rule of rules) {
    if (rule.action !== 'add-column') continue;
    const expression =
      rule.expression !== undefined
        ? `(${rule.expression})`
        : rule.value === null || rule.value === undefined
          ? 'NULL'
          : typeof rule.value === 'string'
            ? literal(rule.value)
            : String(rule.value);
    projection.push({ name: rule.column, expression });
  }
  const keyColumns = table.keyColumns.map((k) => names.get(k) ?? k);
  return { target, projection, keyColumns };
}

/** True when every key column survives the transformations (CDC applies by key). */
export function keepsKeys(table: SourceTable, mappings: TableMappings): boolean {
  const dropped = new Set(
    (mappings.transformations ?? [])
      .filter((r) => r.action === 'drop-column' && applies(r, table))
      .map((r) => (r as { column: string }).column),
  );
  return table.keyColumns.every((k) => !dropped.has(k));
}
