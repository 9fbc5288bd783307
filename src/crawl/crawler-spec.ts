import { checkSchedule } from '../runs/schedule.js';
import { z } from 'zod';
import { validateIdentifier } from '../catalog/identifier.js';
import { ZONES } from '../catalog/catalog-types.js';
import { LakeError } from '../errors/lake-error.js';
import {
  DELETION_POLICIES,
  RECRAWL_POLICIES,
  SCHEMA_CHANGE_POLICIES,
  type CrawlerSpec,
} from './crawler-types.js';

const columnSchema = z.object({ name: z.string().min(1), type: z.string().min(1) });
const specSchema = z.object({
  database: z.string(),
  targets: z
    .array(z.object({ path: z.string().min(1), exclude: z.array(z.string()).optional() }))
    .min(1, 'a crawler needs at least one target'),
  tablePrefix: z.string().optional(),
  schemaChange: z.enum(SCHEMA_CHANGE_POLICIES).optional(),
  deletion: z.enum(DELETION_POLICIES).optional(),
  recrawl: z.enum(RECRAWL_POLICIES).optional(),
  schedule: z.string().nullable().optional(),
  classifiers: z
    .array(
      z.object({
        prefix: z.string().min(1),
        delimiter: z.string().min(1).max(4).optional(),
        quote: z.string().max(1).optional(),
        escape: z.string().max(1).optional(),
        header: z.boolean().optional(),
        encoding: z.string().optional(),
        columns: z.array(columnSchema).min(1).optional(),
      }),
    )
    .optional(),
  sampleRows: z.number().int().min(1).max(1_000_000).optional(),
  sampleFiles: z.number().int().min(1).max(1000).optional(),
  description: z.string().nullable().optional(),
});

export type NormalizedSpec = Required<Omit<CrawlerSpec, 'schedule' | 'description'>> & {
  schedule: string | null;
  description: string | null;
};

/**
 * Checks a crawler spec and fills in the defaults. Target paths are checked against the
 * zones here; S3 URIs are resolved against the lake's storage when the crawl starts.
 *
 * @throws LakeError INVALID_ARGUMENT naming the field, INVALID_IDENTIFIER for names.
 */
export function normalizeSpec(input: CrawlerSpec): NormalizedSpec {
  const parsed = specSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Invalid crawler: ${issue.path.join('.') || 'spec'}: ${issue.message}.`,
    );
  }
  const spec = parsed.data;
  const database = validateIdentifier(spec.database, 'database name');
  const tablePrefix = (spec.tablePrefix ?? '').toLowerCase();
  if (tablePrefix && !/^[a-z_][a-z0-9_]*$/.test(tablePrefix)) {
    throw new LakeError(
      'INVALID_IDENTIFIER',
      `Invalid table prefix ${JSON.stringify(spec.tablePrefix)}: use letters, digits and underscores, starting with a letter or underscore.`,
    );
  }
  for (const target of spec.targets) checkTargetPath(target.path);
  for (const classifier of spec.classifiers ?? []) {
    if (classifier.header === false && !classifier.columns) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Classifier for ${classifier.prefix}: files without a header need their columns named.`,
      );
    }
  }
  const schedule = checkSchedule(spec.schedule);
  return {
    database,
    targets: spec.targets.map((t) => ({ path: t.path, exclude: t.exclude ?? [] })),
    tablePrefix,
    schemaChange: spec.schemaChange ?? 'update',
    deletion: spec.deletion ?? 'deprecate',
    recrawl: spec.recrawl ?? 'everything',
    schedule,
    classifiers: spec.classifiers ?? [],
    sampleRows: spec.sampleRows ?? 1000,
    sampleFiles: spec.sampleFiles ?? 8,
    description: spec.description ?? null,
  };
}

function checkTargetPath(path: string): void {
  if (path.startsWith('s3://')) return;
  const zone = path.split('/')[0]!;
  if (!(ZONES as readonly string[]).includes(zone)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Invalid target ${JSON.stringify(path)}: start it with a zone (${ZONES.join(', ')}), e.g. raw/sales/, or give an s3:// URI inside the lake's storage.`,
    );
  }
}
