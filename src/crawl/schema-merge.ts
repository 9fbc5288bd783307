import type { TableFormat } from '../catalog/catalog-types.js';
import type { ProbedColumn } from '../engine/file-schema-probe.js';
import { widenType } from './type-widening.js';

export interface ColumnChange {
  kind: 'added' | 'widened';
  column: string;
  from?: string;
  to?: string;
}

/**
 * `base` extended by `next`: columns `next` adds are appended (older files read them as
 * NULL), columns whose types differ are widened. Names match case-insensitively.
 */
export function mergeColumns(
  base: readonly ProbedColumn[],
  next: readonly ProbedColumn[],
): { columns: ProbedColumn[]; changes: ColumnChange[] } {
  const columns = base.map((c) => ({ ...c }));
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const changes: ColumnChange[] = [];
  for (const column of next) {
    const existing = byName.get(column.name.toLowerCase());
    if (!existing) {
      const added: ProbedColumn = { ...column, nullable: true };
      columns.push(added);
      byName.set(column.name.toLowerCase(), added);
      changes.push({ kind: 'added', column: column.name, to: column.type });
      continue;
    }
    existing.nullable ||= column.nullable;
    // A file with no value in a column (header-only, or all empty) says nothing of its type.
    if (column.valueless) continue;
    if (existing.valueless) {
      existing.type = column.type;
      delete existing.valueless;
      continue;
    }
    if (existing.type === column.type) continue;
    const widened = widenType(existing.type, column.type);
    if (widened !== existing.type) {
      changes.push({ kind: 'widened', column: existing.name, from: existing.type, to: widened });
      existing.type = widened;
    }
  }
  return { columns, changes };
}

/**
 * Whether files with these schemas may form one table. CSV is read by position, so one
 * header must extend the other; Parquet and JSON are read by name, so at least half of
 * the smaller schema's columns must appear in the other. Anything less is two datasets
 * that happen to share a folder, and merging them would be wrong. Under Hive partitions
 * (`partitioned`) the folder layout already says the files are one dataset: records read by
 * name that share any column are sparse records of it, and the table takes the union.
 */
export function compatibleSchemas(
  format: TableFormat,
  a: readonly ProbedColumn[],
  b: readonly ProbedColumn[],
  partitioned = false,
): boolean {
  const names = (cs: readonly ProbedColumn[]) => cs.map((c) => c.name.toLowerCase());
  if (format === 'csv') {
    const [short, long] = a.length <= b.length ? [names(a), names(b)] : [names(b), names(a)];
    return short.every((name, i) => long[i] === name);
  }
  const other = new Set(names(b));
  const shared = names(a).filter((n) => other.has(n)).length;
  if (partitioned) return shared > 0;
  return shared > 0 && shared * 2 >= Math.min(a.length, b.length);
}
