import { quoteLiteral } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Checks parameter names (letters, digits, underscores) and that values are strings. */
export function checkParameters(parameters: Record<string, unknown>): Record<string, string> {
  for (const [name, value] of Object.entries(parameters)) {
    if (!NAME.test(name)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Invalid parameter name ${JSON.stringify(name)}: use letters, digits and underscores.`,
      );
    }
    if (typeof value !== 'string') {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Parameter ${name} is ${typeof value}; parameters are strings (cast them in SQL, e.g. \${${name}}::integer).`,
      );
    }
  }
  return parameters as Record<string, string>;
}

/**
 * Fills `${name}` placeholders in a job's SQL. Each value becomes a quoted SQL string
 * literal, never raw text, so a parameter can hold anything without changing the query's
 * shape; cast it where a number or date is meant (`${day}::date`).
 *
 * @throws LakeError INVALID_ARGUMENT naming a placeholder that has no value.
 */
export function fillParameters(sql: string, parameters: Record<string, string>): string {
  const missing = new Set<string>();
  const filled = sql.replace(PLACEHOLDER, (_match, name: string) => {
    const value = parameters[name.trim()];
    if (value === undefined) {
      missing.add(name.trim());
      return '';
    }
    return quoteLiteral(value);
  });
  if (missing.size > 0) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The job's SQL uses parameter(s) ${[...missing].join(', ')} with no value: pass them (--param ${[...missing][0]}=VALUE) or give the job a default.`,
      { details: { missing: [...missing] } },
    );
  }
  return filled;
}
