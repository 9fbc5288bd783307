import { resolveEnvReferences } from '../config/env-references.js';
import { LakeError } from '../errors/lake-error.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/;

/**
 * A function's environment as deployed: names checked, values kept as given, so that a
 * `${env:NAME}` reference is stored as the reference and resolved only when invoked.
 *
 * @throws LakeError INVALID_ARGUMENT for a name that is not a variable name.
 */
export function checkFunctionEnv(env: Record<string, string> = {}): Record<string, string> {
  for (const [name, value] of Object.entries(env)) {
    if (!NAME.test(name) || typeof value !== 'string')
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Environment variable ${JSON.stringify(name)} is not valid: names are letters, digits and _, values are strings.`,
      );
  }
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)));
}

/** The environment an invocation sees, and the values it must never record. */
export interface ResolvedEnv {
  readonly values: Record<string, string>;
  /** Values that came from references: redacted from logs, errors and results. */
  readonly secrets: readonly string[];
}

/**
 * Resolves `${env:NAME}` references from `from` (the invoking process's environment).
 *
 * @throws LakeError INVALID_CONFIG naming the variable (never a value) when one is not set.
 */
export function resolveFunctionEnv(
  functionName: string,
  env: Readonly<Record<string, string>>,
  from: NodeJS.ProcessEnv,
): ResolvedEnv {
  const values = resolveEnvReferences({ ...env }, `Function ${functionName}'s environment`, from);
  const secrets = Object.keys(env)
    .filter((name) => REFERENCE.test(env[name]!))
    .map((name) => values[name]!)
    .filter((value) => value.length > 0);
  return { values, secrets };
}

/** `text` with every secret value replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
