import { ENV_REFERENCE } from '../../config/env-references.js';
import { LakeError } from '../../errors/lake-error.js';

/**
 * Resolves a `${env:NAME}` password at connection time, so the value lives only in the
 * process environment and in the driver's memory; messages name the variable, not the value.
 */
export function resolvePassword(
  reference: string | undefined,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (reference === undefined) return undefined;
  const name = ENV_REFERENCE.exec(reference)?.[1];
  if (!name)
    throw new LakeError('INVALID_ARGUMENT', `Source ${source}: the password must be \${env:NAME}.`);
  const value = env[name];
  if (value === undefined)
    throw new LakeError(
      'INVALID_CONFIG',
      `Source ${source} takes its password from environment variable ${name}, which is not set; set it and try again.`,
    );
  return value;
}
