import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LakeError } from '../errors/lake-error.js';
import { resolveEnvReferences } from './env-references.js';
import { CONFIG_FILE, lakeConfigSchema, type LakeConfig } from './lake-config.js';

/**
 * Reads, validates and resolves the lake's config file, then applies the environment
 * overrides `LAKEBOX_STORAGE` (a directory or `s3://bucket/prefix`) and
 * `LAKEBOX_DATABASE_URL` (a `postgres://` URL or a SQLite file path).
 *
 * @throws LakeError CONFIG_NOT_FOUND when the directory holds no lake; INVALID_CONFIG with
 *   the file, the field and what is wrong.
 */
export async function loadConfig(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LakeConfig> {
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LakeError(
        'CONFIG_NOT_FOUND',
        `No lake at ${dir}: ${CONFIG_FILE} is missing. Run lakebox init ${dir} first, or point --lake / LAKEBOX_LAKE at a lake.`,
      );
    }
    throw new LakeError('INVALID_CONFIG', `Cannot read ${file}: ${(error as Error).message}.`, {
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new LakeError(
      'INVALID_CONFIG',
      `${file} is not valid JSON (${(error as Error).message}); fix the file or run lakebox init again in a new directory.`,
    );
  }
  return resolveConfig(raw, file, env);
}

/**
 * A parsed config file's content as a lake uses it: validated, `${env:NAME}` references
 * resolved, the `LAKEBOX_*` overrides applied.
 */
export function resolveConfig(
  raw: unknown,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): LakeConfig {
  return applyEnvOverrides(parseConfig(raw, file, env), env, file);
}

/** Validates a parsed config after resolving its `${env:NAME}` references. */
export function parseConfig(
  raw: unknown,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): LakeConfig {
  const parsed = lakeConfigSchema.safeParse(resolveEnvReferences(raw, file, env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new LakeError(
      'INVALID_CONFIG',
      `${file}: field ${field}: ${issue.message.replace(/^Invalid input: /, '')}.`,
    );
  }
  return parsed.data;
}

function applyEnvOverrides(config: LakeConfig, env: NodeJS.ProcessEnv, file: string): LakeConfig {
  let result = config;
  const storage = env['LAKEBOX_STORAGE'];
  if (storage) {
    result = {
      ...result,
      storage: storage.startsWith('s3://')
        ? {
            type: 's3',
            uri: storage,
            endpoint: env['LAKEBOX_S3_ENDPOINT'] || undefined,
            region: env['AWS_REGION'] || 'us-east-1',
            forcePathStyle: env['LAKEBOX_S3_ENDPOINT'] ? true : undefined,
          }
        : { type: 'local', path: storage },
    };
  }
  const database = env['LAKEBOX_DATABASE_URL'];
  if (database) {
    result = {
      ...result,
      metadata: /^postgres(ql)?:\/\//.test(database)
        ? { type: 'postgres', url: database }
        : { type: 'sqlite', path: database },
    };
  }
  return parseConfig(result, `${file} (with LAKEBOX_* environment overrides)`, env);
}
