import { quoteIdentifier, quoteLiteral } from '../../catalog/identifier.js';
import type { Column } from '../../catalog/catalog-types.js';
import { closeNames } from '../../catalog/close-names.js';
import type { TableSession } from '../../engine/table-session.js';
import { LakeError } from '../../errors/lake-error.js';
import type { FeatureSchema, ProblemType } from '../algorithms/algorithm.js';
import { TIME_PARTS, columnFamily, isIntegerType, type ColumnFamily } from './column-family.js';
import { DEFAULT_MAX_LEVELS, type FeatureSpec } from './feature-spec.js';

/** A column that does not become a feature, and why: nothing is left out silently. */
export interface SkippedColumn {
  readonly column: string;
  readonly reason: string;
}

/** A categorical whose rarer levels were folded into "unseen". */
export interface CappedLevels {
  readonly feature: string;
  readonly levels: number;
  readonly kept: number;
}

export interface FeaturePlan {
  readonly features: readonly FeatureSchema[];
  readonly problem: ProblemType;
  /** Class labels for binary (negative first) and multiclass targets, in code order. */
  readonly classes?: readonly string[];
  readonly target?: { readonly column: string; readonly sourceType: string };
  readonly skipped: readonly SkippedColumn[];
  readonly capped: readonly CappedLevels[];
}

const MAX_CLASSES = 1000;

type FeatureKind = 'numeric' | 'categorical' | 'parts' | 'skip';
const FAMILY_KIND: Record<ColumnFamily, FeatureKind> = {
  number: 'numeric',
  boolean: 'numeric',
  text: 'categorical',
  date: 'parts',
  timestamp: 'parts',
  other: 'skip',
};

/**
 * Chooses the features of `select` by `spec` (numbers, booleans, categorical strings,
 * timestamps expanded to parts), infers the problem from the target and finds category
 * levels, each by one aggregate query in DuckDB.
 *
 * @throws LakeError COLUMN_NOT_FOUND for a named column the data lacks; INVALID_ARGUMENT
 *   for a target that is all null or constant, or data with no usable feature.
 */
export async function planFeatures(
  session: TableSession,
  select: string,
  spec: FeatureSpec,
): Promise<FeaturePlan> {
  const columns = await session.describe(select);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const need = (name: string, what: string): Column => {
    const column = byName.get(name);
    if (!column) {
      const close = closeNames(name, byName.keys());
      throw new LakeError(
        'COLUMN_NOT_FOUND',
        `The ${what} column ${name} is not in the data${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; its columns are ${columns.map((c) => c.name).join(', ')}.`,
      );
    }
    return column;
  };
  for (const name of [
    ...(spec.include ?? []),
    ...(spec.exclude ?? []),
    ...(spec.categorical ?? []),
  ])
    need(name, 'feature');
  const target = spec.target === undefined ? undefined : need(spec.target, 'target');
  if (spec.weight !== undefined) need(spec.weight, 'weight');
  const timeColumn = spec.split?.method === 'time' ? spec.split.column : undefined;
  if (timeColumn !== undefined) need(timeColumn, 'split time');

  const reserved = new Set([spec.target, spec.weight, timeColumn].filter((c) => c !== undefined));
  const excluded = new Set(spec.exclude ?? []);
  const forcedCategorical = new Set(spec.categorical ?? []);
  const candidates = (spec.include ? spec.include.map((n) => byName.get(n)!) : columns).filter(
    (c) => !reserved.has(c.name) && !excluded.has(c.name),
  );

  const skipped: SkippedColumn[] = [];
  const { rows, columns: stats } = await columnStats(session, select, candidates);
  if (rows === 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      'The input has no rows (the table is empty, or the query selects none): there is nothing to train on.',
    );
  const features: FeatureSchema[] = [];
  const categoricals: Column[] = [];
  for (const column of candidates) {
    const kind = forcedCategorical.has(column.name)
      ? 'categorical'
      : FAMILY_KIND[columnFamily(column.type)];
    const stat = stats.get(column.name)!;
    if (kind === 'skip') {
      skipped.push({ column: column.name, reason: `type ${column.type} is not a feature type` });
    } else if (stat.nonNull === 0) {
      skipped.push({ column: column.name, reason: 'all values are null' });
    } else if (stat.distinct <= 1) {
      skipped.push({ column: column.name, reason: 'it has one value only' });
    } else if (kind === 'categorical') {
      categoricals.push(column);
    } else if (kind === 'parts') {
      const family = columnFamily(column.type) as 'date' | 'timestamp';
      for (const part of TIME_PARTS[family])
        features.push({
          name: `${column.name}_${part}`,
          kind: 'numeric',
          source: column.name,
          sourceType: column.type,
          part,
        });
    } else {
      features.push({
        name: column.name,
        kind: 'numeric',
        source: column.name,
        sourceType: column.type,
      });
    }
  }

  const maxLevels = spec.maxLevels ?? DEFAULT_MAX_LEVELS;
  const capped: CappedLevels[] = [];
  for (const column of categoricals) {
    const { levels, total } = await topLevels(session, select, column.name, maxLevels);
    if (total > levels.length)
      capped.push({ feature: column.name, levels: total, kept: levels.length });
    features.push({
      name: column.name,
      kind: 'categorical',
      source: column.name,
      sourceType: column.type,
      levels,
    });
  }
  if (features.length === 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `No usable feature in the data (${skipped.map((s) => `${s.column}: ${s.reason}`).join('; ') || 'no columns besides the target'}); include columns of numbers, booleans, text or times.`,
    );

  if (!target) {
    const problem = spec.problem ?? 'clustering';
    if (problem !== 'clustering' && problem !== 'anomaly')
      throw new LakeError(
        'INVALID_ARGUMENT',
        `A ${problem} model needs a target column: pass target.`,
      );
    return { features, problem, skipped, capped };
  }
  const { problem, classes } = await targetOf(session, select, target, spec.problem);
  return {
    features,
    problem,
    ...(classes ? { classes } : {}),
    target: { column: target.name, sourceType: target.type },
    skipped,
    capped,
  };
}

/** Row count, and per column its non-null count and whether it has 0, 1 or 2+ values. */
async function columnStats(
  session: TableSession,
  select: string,
  columns: readonly Column[],
): Promise<{ rows: number; columns: Map<string, { nonNull: number; distinct: number }> }> {
  const stats = new Map<string, { nonNull: number; distinct: number }>();
  const list = columns.map((c, i) => {
    const q = quoteIdentifier(c.name);
    // Two distinct values suffice to know a column is not constant.
    return `count(${q}) AS n${i}, least(approx_count_distinct(${q}), 2) + (CASE WHEN min(${q}) IS DISTINCT FROM max(${q}) THEN 2 ELSE 0 END) AS d${i}`;
  });
  const [row] = await session.rows(
    `SELECT ${['count(*) AS lakebox_rows', ...list].join(', ')} FROM (${select}) AS lakebox_stats`,
  );
  columns.forEach((c, i) => {
    const distinct = Number(row![`d${i}`]);
    stats.set(c.name, { nonNull: Number(row![`n${i}`]), distinct: distinct >= 2 ? 2 : distinct });
  });
  return { rows: Number(row!['lakebox_rows']), columns: stats };
}

async function topLevels(
  session: TableSession,
  select: string,
  column: string,
  maxLevels: number,
): Promise<{ levels: string[]; total: number }> {
  const q = quoteIdentifier(column);
  const rows = await session.rows(
    `SELECT v, count(*) OVER () AS total FROM (SELECT CAST(${q} AS VARCHAR) AS v, count(*) AS n FROM (${select}) AS lakebox_levels WHERE ${q} IS NOT NULL GROUP BY 1) ORDER BY n DESC, v LIMIT ${maxLevels}`,
  );
  return { levels: rows.map((r) => String(r['v'])), total: Number(rows[0]?.['total'] ?? 0) };
}

async function targetOf(
  session: TableSession,
  select: string,
  target: Column,
  given: ProblemType | undefined,
): Promise<{ problem: ProblemType; classes?: string[] }> {
  const q = quoteIdentifier(target.name);
  const rows = await session.rows(
    `SELECT CAST(v AS VARCHAR) AS v FROM (SELECT DISTINCT ${q} AS v FROM (${select}) AS lakebox_target WHERE ${q} IS NOT NULL) ORDER BY v LIMIT ${MAX_CLASSES + 1}`,
  );
  if (rows.length === 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The target column ${target.name} has no values (it is empty or all null); choose another target.`,
    );
  if (rows.length === 1)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The target column ${target.name} has one value only (${String(rows[0]!['v'])}); there is nothing to learn.`,
    );
  const family = columnFamily(target.type);
  const problem =
    given ??
    (family === 'number' && !(isIntegerType(target.type) && rows.length === 2)
      ? 'regression'
      : rows.length === 2
        ? 'binary'
        : 'multiclass');
  if (problem === 'regression') {
    if (family !== 'number' && family !== 'boolean')
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Regression needs a numeric target; ${target.name} is ${target.type}.`,
      );
    return { problem };
  }
  if (problem === 'clustering' || problem === 'anomaly')
    throw new LakeError(
      'INVALID_ARGUMENT',
      `A ${problem} model takes no target; leave target out.`,
    );
  if (rows.length > MAX_CLASSES)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The target column ${target.name} has more than ${MAX_CLASSES} distinct values: train a regression, or bucket it.`,
    );
  if (problem === 'binary' && rows.length !== 2)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `A binary target has two values; ${target.name} has ${rows.length}: use multiclass.`,
    );
  return { problem, classes: rows.map((r) => String(r['v'])) };
}

/** The SQL expression of a feature over its source column, as training and scoring read it. */
export function featureExpression(feature: FeatureSchema): string {
  const q = quoteIdentifier(feature.source);
  if (feature.kind === 'categorical') {
    const list = `[${(feature.levels ?? []).map(quoteLiteral).join(', ')}]::VARCHAR[]`;
    return `coalesce(list_position(${list}, CAST(${q} AS VARCHAR)), 0) - 1`;
  }
  if (feature.part) {
    const part = feature.part === 'weekday' ? 'dayofweek' : feature.part;
    return `date_part(${quoteLiteral(part)}, ${q})`;
  }
  const value = `CAST(${q} AS DOUBLE)`;
  return `CASE WHEN isfinite(${value}) THEN ${value} END`;
}
