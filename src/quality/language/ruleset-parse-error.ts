import { LakeError } from '../../errors/lake-error.js';
import type { Position } from './token.js';

/**
 * The one error a ruleset that cannot be read raises: one line that names the line and
 * column, what was expected and what was found, with the position also in `details`.
 */
export function rulesetParseError(at: Position, message: string): LakeError {
  return new LakeError(
    'RULESET_PARSE_ERROR',
    `Ruleset line ${at.line}, column ${at.column}: ${message}`,
    { details: { line: at.line, column: at.column } },
  );
}
