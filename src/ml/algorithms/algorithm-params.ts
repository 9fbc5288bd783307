import { LakeError } from '../../errors/lake-error.js';

/** A numeric parameter's default and bounds. */
export interface NumberParam {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
}

/**
 * Fills in defaults and checks every given key against `declared`: an unknown key or a
 * value out of bounds is an INVALID_ARGUMENT naming the key, never silently ignored.
 */
export function numberParams<K extends string>(
  algorithm: string,
  declared: Record<K, NumberParam>,
  given: Record<string, unknown>,
): Record<K, number> {
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(declared, key))
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown parameter ${key} for ${algorithm}; its parameters are ${Object.keys(declared).join(', ')}.`,
      );
  }
  const out = {} as Record<K, number>;
  for (const key of Object.keys(declared) as K[]) {
    const spec = declared[key];
    const value = given[key] ?? spec.default;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < spec.min ||
      value > spec.max ||
      (spec.integer && !Number.isInteger(value))
    )
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Parameter ${key} of ${algorithm} must be ${spec.integer ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max} (got ${JSON.stringify(value)}).`,
      );
    out[key] = value;
  }
  return out;
}

/** Throws the signal's reason (a RUN_CANCELLED LakeError from the executor) once aborted. */
export function checkAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}
