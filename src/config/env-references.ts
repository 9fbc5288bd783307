import { LakeError } from '../errors/lake-error.js';

const REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A whole value that is one `${env:NAME}` reference: the only form a secret may take. */
export const ENV_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Replaces `${env:NAME}` in every string of a parsed config with the variable's value, so
 * secrets live in the environment and never in the file. A missing variable is an error
 * naming the field and the variable (never a value).
 */
export function resolveEnvReferences<T>(
  value: T,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  path: string[] = [],
): T {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_match, name: string) => {
      const resolved = env[name];
      if (resolved === undefined) {
        throw new LakeError(
          'INVALID_CONFIG',
          `${file}: field ${path.join('.')} refers to environment variable ${name}, which is not set; set it or change the field.`,
        );
      }
      return resolved;
    }) as T;
  }
  if (Array.isArray(value))
    return value.map((v, i) => resolveEnvReferences(v, file, env, [...path, String(i)])) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveEnvReferences(v, file, env, [...path, k])]),
    ) as T;
  }
  return value;
}
