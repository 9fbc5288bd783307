import type { SourceColumn } from './source.js';

/** What a change of a source table's columns (seen during CDC) means for its lake tables. */
export type SchemaChange =
  | { kind: 'none' }
  | {
      kind: 'apply';
      added: SourceColumn[];
      widened: Array<{ from: SourceColumn; to: SourceColumn }>;
    }
  | { kind: 'stop'; reason: string };

// Lake types whose existing values, cast by DuckDB, equal what PostgreSQL's ALTER COLUMN ...
// TYPE (without USING) made of them. Narrower than a job's lossless casts: DATE to
// TIMESTAMPTZ depends on a time zone, DECIMAL to DOUBLE on rounding.
const WIDENINGS: Record<string, readonly string[]> = {
  SMALLINT: ['INTEGER', 'BIGINT'],
  INTEGER: ['BIGINT'],
  FLOAT: ['DOUBLE'],
};
const INTEGER_DIGITS: Record<string, number> = { SMALLINT: 5, INTEGER: 10, BIGINT: 19 };
const DECIMAL = /^DECIMAL\((\d+),(\d+)\)$/;
// Source types that PostgreSQL converts without changing their text: any length of these.
const TEXTUAL = /^(character varying|text)(\(\d+\))?$/;

/**
 * Compares the columns a relation message announces with those followed so far. PostgreSQL
 * appends added columns and keeps a renamed one in its place, so a name missing at a
 * position now holding a name never seen is a rename, and otherwise a drop.
 */
export function classifySchemaChange(
  table: string,
  before: SourceColumn[],
  after: SourceColumn[],
): SchemaChange {
  const oldNames = new Set(before.map((c) => c.name));
  const newNames = new Set(after.map((c) => c.name));
  for (const [i, column] of before.entries()) {
    if (newNames.has(column.name)) continue;
    const successor = after[i];
    if (successor && !oldNames.has(successor.name))
      return stop(`column "${column.name}" of ${table} was renamed to "${successor.name}"`);
    return stop(`column "${column.name}" of ${table} was dropped`);
  }
  const widened: Array<{ from: SourceColumn; to: SourceColumn }> = [];
  for (const to of after) {
    const from = before.find((c) => c.name === to.name);
    if (!from || from.sourceType === to.sourceType) continue;
    const change = typeChange(from, to);
    if (change === 'same') continue;
    if (change === 'widened') {
      widened.push({ from, to });
      continue;
    }
    const what = change === 'narrowed' ? 'narrowed' : 'changed';
    return stop(
      `the type of column "${to.name}" of ${table} was ${what} from ${from.sourceType} to ${to.sourceType} (${from.lakeType} to ${to.lakeType} in the lake), which the lake cannot follow without its values differing from the source's`,
    );
  }
  const added = after.filter((c) => !oldNames.has(c.name));
  return added.length === 0 && widened.length === 0
    ? { kind: 'none' }
    : { kind: 'apply', added, widened };
}

function stop(reason: string): SchemaChange {
  return { kind: 'stop', reason };
}

function typeChange(
  from: SourceColumn,
  to: SourceColumn,
): 'same' | 'widened' | 'narrowed' | 'incompatible' {
  if (from.lakeType === to.lakeType)
    return TEXTUAL.test(from.sourceType) && TEXTUAL.test(to.sourceType) ? 'same' : 'incompatible';
  if (widens(from.lakeType, to.lakeType)) return 'widened';
  return widens(to.lakeType, from.lakeType) ? 'narrowed' : 'incompatible';
}

/** True when every value of lake type `from` casts to `to` unchanged. */
export function widens(from: string, to: string): boolean {
  if (from.endsWith('[]') && to.endsWith('[]')) return widens(from.slice(0, -2), to.slice(0, -2));
  if (WIDENINGS[from]?.includes(to)) return true;
  const target = DECIMAL.exec(to.replace(/\s+/g, ''));
  if (!target) return false;
  const [p2, s2] = [Number(target[1]), Number(target[2])];
  const source = DECIMAL.exec(from.replace(/\s+/g, ''));
  if (source) return s2 >= Number(source[2]) && p2 - s2 >= Number(source[1]) - Number(source[2]);
  const digits = INTEGER_DIGITS[from];
  return digits !== undefined && p2 - s2 >= digits;
}
