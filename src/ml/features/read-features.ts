import { quoteIdentifier, quoteLiteral } from '../../catalog/identifier.js';
import type { TableSession } from '../../engine/table-session.js';
import type { Feature, FeatureFrame, FeatureSchema } from '../algorithms/algorithm.js';
import { featureExpression } from './feature-plan.js';

export interface LabelledRows {
  readonly frame: FeatureFrame;
  /** Target codes (class index) or values; present when a target was read. */
  readonly target?: Float64Array;
  readonly weights?: Float64Array;
  /** The split column as a number (epoch milliseconds for times). */
  readonly time?: Float64Array;
  /** Rows left out because their target, weight or split time was null. */
  readonly rowsDropped: number;
}

export interface ReadExtras {
  readonly target?: { column: string; classes?: readonly string[] };
  readonly weight?: string;
  readonly time?: string;
}

/**
 * Reads the features of `schema` (and the target, weights and split time) from `select`
 * as typed columns: every encoding (category codes, time parts, non-finite numbers as
 * missing) happens in DuckDB, and the values arrive as Float64Array and Int32Array.
 */
export async function readFeatures(
  session: TableSession,
  select: string,
  schema: readonly FeatureSchema[],
  extras: ReadExtras = {},
): Promise<LabelledRows> {
  const projections: string[] = schema.map((f, i) => `${featureExpression(f)} AS f${i}`);
  const wanted: string[] = [];
  if (extras.target) {
    const q = quoteIdentifier(extras.target.column);
    const classes = extras.target.classes;
    projections.push(
      classes
        ? `list_position([${classes.map(quoteLiteral).join(', ')}]::VARCHAR[], CAST(${q} AS VARCHAR)) - 1 AS target`
        : `CAST(${q} AS DOUBLE) AS target`,
    );
    wanted.push(`${q} IS NOT NULL`);
  }
  if (extras.weight) {
    projections.push(`CAST(${quoteIdentifier(extras.weight)} AS DOUBLE) AS weight`);
    wanted.push(`${quoteIdentifier(extras.weight)} IS NOT NULL`);
  }
  if (extras.time) {
    const q = quoteIdentifier(extras.time);
    projections.push(
      `CASE WHEN typeof(${q}) LIKE 'TIMESTAMP%' OR typeof(${q}) = 'DATE' THEN epoch_ms(${q}::TIMESTAMP) ELSE CAST(${q} AS DOUBLE) END AS split_time`,
    );
    wanted.push(`${q} IS NOT NULL`);
  }
  const where = wanted.length ? ` WHERE ${wanted.join(' AND ')}` : '';
  const inner = `SELECT ${projections.join(', ') || '0 AS none'} FROM (${select}) AS lakebox_source${where}`;
  const kinds = [
    ...schema.map((f, i) => ({
      name: `f${i}`,
      kind: f.kind === 'categorical' ? ('int32' as const) : ('double' as const),
    })),
    ...(extras.target ? [{ name: 'target', kind: 'double' as const }] : []),
    ...(extras.weight ? [{ name: 'weight', kind: 'double' as const }] : []),
    ...(extras.time ? [{ name: 'split_time', kind: 'double' as const }] : []),
  ];
  const [{ rows, columns }, dropped] = await Promise.all([
    session.typedColumns(inner, kinds),
    wanted.length
      ? session
          .rows(
            `SELECT count(*) AS n FROM (${select}) AS lakebox_source WHERE NOT (${wanted.join(' AND ')})`,
          )
          .then((r) => Number(r[0]!['n']))
      : Promise.resolve(0),
  ]);
  const features: Feature[] = schema.map((f, i) =>
    f.kind === 'categorical'
      ? {
          name: f.name,
          kind: 'categorical',
          values: columns[i] as Int32Array,
          levels: f.levels ?? [],
        }
      : { name: f.name, kind: 'numeric', values: columns[i] as Float64Array },
  );
  let next = schema.length;
  const take = (present: unknown) => (present ? (columns[next++] as Float64Array) : undefined);
  const target = take(extras.target);
  const weights = take(extras.weight);
  const time = take(extras.time);
  return {
    frame: { rows, features },
    ...(target ? { target } : {}),
    ...(weights ? { weights } : {}),
    ...(time ? { time } : {}),
    rowsDropped: dropped,
  };
}
