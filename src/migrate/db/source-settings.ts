import { z } from 'zod';
import { ENV_REFERENCE } from '../../config/env-references.js';
import { LakeError } from '../../errors/lake-error.js';
import type { SourceEngine } from './source.js';

const postgresSettings = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(5432),
  database: z.string().min(1),
  user: z.string().min(1),
  /** Only as `${env:NAME}`: the metadata database never holds a secret. */
  password: z
    .string()
    .regex(ENV_REFERENCE, 'give the password as ${env:NAME}, never the password itself')
    .optional(),
  ssl: z.boolean().default(false),
  connectTimeoutMs: z.number().int().positive().default(10_000),
});

const sqliteSettings = z.object({ path: z.string().min(1) });

export type PostgresSettings = z.infer<typeof postgresSettings>;
export type SqliteSettings = z.infer<typeof sqliteSettings>;
export type SourceSettings =
  ({ engine: 'postgres' } & PostgresSettings) | ({ engine: 'sqlite' } & SqliteSettings);

/**
 * Checks a source's settings for its engine.
 *
 * @throws LakeError INVALID_ARGUMENT naming the field, e.g. a literal password.
 */
export function parseSourceSettings(engine: string, raw: unknown): SourceSettings {
  const schema =
    engine === 'postgres' ? postgresSettings : engine === 'sqlite' ? sqliteSettings : undefined;
  if (!schema)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Unknown source engine "${engine}": use postgres or sqlite.`,
    );
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Source setting ${issue.path.join('.') || '(settings)'}: ${issue.message}.`,
    );
  }
  return { engine: engine as SourceEngine, ...parsed.data } as SourceSettings;
}
