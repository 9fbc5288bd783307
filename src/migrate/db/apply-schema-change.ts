import type pg from 'pg';
import { withCommitRetry } from '../../catalog/commit-retry.js';
import { quoteIdentifier, quoteLiteral } from '../../catalog/identifier.js';
import { LakeError } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import type { MigrationTask } from './migration-task.js';
import type { PostgresTable } from './postgres/postgres-source.js';
import { onlyElement, replicationText } from './postgres/replication-text.js';
import type { SchemaChange } from './schema-change.js';
import { planTable, type TablePlan } from './table-mapping.js';

/** What a stopped table's error tells the user to do (docs/migrate.md, "Recovering a table"). */
export function reloadHint(task: string): string {
  return `lakebox migrate stop ${task}, lakebox migrate delete ${task}, then create and start it again, which loads every table afresh`;
}

interface FollowedTables {
  key: string;
  table: PostgresTable;
  plan: TablePlan;
  target: string;
  changeTable: string;
}

/**
 * Makes the lake tables of `entry` follow an added or widened source column: widened
 * columns get their new type in a schema version of the table and of its change table
 * (existing files are read through the wider type); an added column is added, and when
 * PostgreSQL gave existing rows a value (its DEFAULT at the time, kept in
 * pg_attribute.attmissingval, which pgoutput does not send) the table's rows are rewritten
 * with it in one commit. A column whose existing rows PostgreSQL filled one by one (a
 * volatile default such as a sequence: the table was rewritten) cannot be followed.
 *
 * @throws LakeError SOURCE_SCHEMA_CHANGED when the existing rows' values cannot be known.
 */
export async function applySchemaChange(
  services: LakeServices,
  side: pg.Client,
  entry: FollowedTables,
  table: PostgresTable,
  change: Extract<SchemaChange, { kind: 'apply' }>,
  task: MigrationTask,
): Promise<void> {
  const plan = planTable(task.mappings, table, quoteIdentifier, quoteLiteral);
  const lakeName = (source: string) =>
    plan.projection.find((p) => p.expression === quoteIdentifier(source))?.name;
  const existing: Array<{ name: string; value: string | null; type: string }> = [];
  for (const column of change.added) {
    const value = await missingValue(side, task, entry, table, column.name);
    const name = lakeName(column.name);
    if (name) existing.push({ name, value, type: column.lakeType });
  }
  const widened = new Map(
    change.widened.flatMap(({ to }) => {
      const name = lakeName(to.name);
      return name ? [[name.toLowerCase(), to.lakeType] as const] : [];
    }),
  );
  for (const name of [entry.changeTable, entry.target]) {
    await withCommitRetry(async () => {
      const lake = await services.catalog.findTable(name);
      if (!lake) return;
      const schema = await services.catalog.schema(lake);
      const columns = schema.columns.map((c) => ({
        ...c,
        type: widened.get(c.name.toLowerCase()) ?? c.type,
      }));
      const have = new Set(columns.map((c) => c.name.toLowerCase()));
      // The change table's rows predate the column: NULL there says it did not exist yet.
      for (const added of existing)
        if (!have.has(added.name.toLowerCase()))
          columns.push({ name: added.name, type: added.type, nullable: true });
      await services.catalog.commit({
        table: lake,
        parentSnapshotId: lake.currentSnapshotId,
        operation: 'alter',
        addFiles: [],
        schema: { columns, partitionColumns: schema.partitionColumns },
      });
    });
  }
  const filled = existing.filter((c) => c.value !== null);
  if (filled.length === 0) return;
  const replace = filled
    .map((c) => `CAST(${quoteLiteral(c.value!)} AS ${c.type}) AS ${quoteIdentifier(c.name)}`)
    .join(', ');
  await (
    await services.writer()
  ).write(
    entry.target,
    { sql: `SELECT * REPLACE (${replace}) FROM ${entry.target}` },
    { mode: 'overwrite' },
  );
}

/** The value PostgreSQL gives the rows that existed when `column` was added, as CSV text. */
async function missingValue(
  side: pg.Client,
  task: MigrationTask,
  entry: FollowedTables,
  table: PostgresTable,
  column: string,
): Promise<string | null> {
  const { rows } = await side.query<{
    has_missing: boolean;
    missing: string | null;
    has_default: boolean;
  }>(
    `select a.atthasmissing as has_missing, a.attmissingval::text as missing,
            exists (select 1 from pg_attrdef d where d.adrelid = a.attrelid and d.adnum = a.attnum) as has_default
       from pg_attribute a where a.attrelid = $1 and a.attname = $2 and not a.attisdropped`,
    [table.oid, column],
  );
  const row = rows[0];
  if (row?.has_missing && row.missing !== null) {
    const type = table.types[table.columns.findIndex((c) => c.name === column)]!;
    return replicationText(onlyElement(row.missing), type);
  }
  if (row?.has_default)
    throw new LakeError(
      'SOURCE_SCHEMA_CHANGED',
      `Column "${column}" was added to ${entry.key} with a default PostgreSQL computed row by row (a volatile default such as a sequence rewrites the table without sending its rows), so the lake cannot know the existing rows' values. ${entry.target} stopped and keeps what was replicated before; reload the table to follow it again (${reloadHint(task.name)}).`,
    );
  return null;
}

/** One line for the run's log: what the lake did. */
export function describeApplied(change: Extract<SchemaChange, { kind: 'apply' }>): string {
  return [
    ...change.added.map((c) => `added column ${c.name} (${c.lakeType})`),
    ...change.widened.map(
      (w) => `widened ${w.to.name} from ${w.from.lakeType} to ${w.to.lakeType}`,
    ),
  ].join(', ');
}
