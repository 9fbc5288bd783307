import type { Catalog } from '../../catalog/catalog.js';
import type { Column } from '../../catalog/catalog-types.js';
import { closeNames } from '../../catalog/close-names.js';
import { LakeError } from '../../errors/lake-error.js';
import type { SimpleRule } from '../language/rule-ast.js';
import type { PlanContext } from '../rules/rule-type.js';

/** The plan context over data with `columns`, called `target` in messages. */
export function createPlanContext(
  target: string,
  columns: readonly Column[],
  catalog: Catalog,
): PlanContext {
  return {
    target,
    columns,
    column: (rule, name) => findColumn(columns, name, target, rule),
    async referenceColumn(rule, spec) {
      const parts = spec.split('.');
      if (parts.length !== 3 || parts.some((p) => p === '')) {
        throw invalid(
          rule,
          `the reference "${spec}" should be DATABASE.TABLE.COLUMN, for example crm.customers.id.`,
        );
      }
      const [database, table, column] = parts as [string, string, string];
      const found = await catalog.getTable(`${database}.${table}`);
      const schema = await catalog.schema(found);
      return {
        table: found.fullName,
        column: findColumn(schema.columns, column, found.fullName, rule),
      };
    },
    invalid,
  };
}

function findColumn(
  columns: readonly Column[],
  name: string,
  target: string,
  rule: SimpleRule,
): Column {
  const exact = columns.find((c) => c.name === name);
  if (exact) return exact;
  const folded = columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (folded.length === 1) return folded[0]!;
  const close = closeNames(
    name,
    columns.map((c) => c.name),
  );
  throw new LakeError(
    'COLUMN_NOT_FOUND',
    `Column "${name}" does not exist in ${target} (rule ${rule.text}, line ${rule.at.line}, column ${rule.at.column})${close.length ? `; did you mean ${close.join(', ')}?` : `; its columns are ${columns.map((c) => c.name).join(', ')}.`}`,
    { details: { column: name, target, line: rule.at.line } },
  );
}

function invalid(rule: SimpleRule, message: string): LakeError {
  return new LakeError(
    'INVALID_ARGUMENT',
    `Rule ${rule.text} (line ${rule.at.line}, column ${rule.at.column}): ${message}`,
    { details: { line: rule.at.line, column: rule.at.column } },
  );
}
