import { LakeError } from '../../errors/lake-error.js';

/** A range of numbers to draw from: uniformly, or uniformly in log space; integers if told. */
export interface NumberRange {
  readonly min: number;
  readonly max: number;
  /** Draw log-uniformly (for learning rates and penalties spanning decades); needs min > 0. */
  readonly log?: boolean;
  readonly integer?: boolean;
}

/** A set of values to draw one of, equally likely. */
export interface Choices {
  readonly choices: readonly (number | string | boolean)[];
}

export type ParamRange = NumberRange | Choices;

/** Per parameter name, where tuning may take it; parameters not named keep their given value. */
export type SearchSpace = Readonly<Record<string, ParamRange>>;

const isChoices = (range: ParamRange): range is Choices => 'choices' in range;

/** @throws LakeError INVALID_ARGUMENT naming the parameter whose range is malformed. */
export function checkSearchSpace(space: SearchSpace): void {
  if (typeof space !== 'object' || space === null || Array.isArray(space))
    throw new LakeError('INVALID_ARGUMENT', 'tune.space must be an object of parameter ranges.');
  for (const [name, range] of Object.entries(space)) {
    const bad = (why: string) =>
      new LakeError('INVALID_ARGUMENT', `tune.space.${name}: ${why}`, { details: { key: name } });
    if (typeof range !== 'object' || range === null)
      throw bad('give {min, max} (with log or integer) or {choices: [...]}.');
    if (isChoices(range)) {
      if (!Array.isArray(range.choices) || range.choices.length === 0)
        throw bad('choices must be a non-empty list.');
      continue;
    }
    const { min, max } = range;
    if (
      typeof min !== 'number' ||
      typeof max !== 'number' ||
      !Number.isFinite(min) ||
      !Number.isFinite(max)
    )
      throw bad('min and max must be finite numbers.');
    if (!(min <= max)) throw bad(`min (${min}) must not exceed max (${max}).`);
    if (range.log && !(min > 0)) throw bad(`a log range needs min > 0 (got ${min}).`);
    if (range.integer && Math.ceil(min) > Math.floor(max))
      throw bad(`no integer lies between ${min} and ${max}.`);
  }
}

/** One draw from every range of `space`, from `random` (in the space's key order). */
export function sampleSpace(space: SearchSpace, random: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, range] of Object.entries(space)) {
    const u = random();
    if (isChoices(range)) {
      out[name] =
        range.choices[Math.min(range.choices.length - 1, Math.floor(u * range.choices.length))];
      continue;
    }
    let value = range.log
      ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min)))
      : range.min + u * (range.max - range.min);
    if (range.integer)
      value = Math.min(Math.floor(range.max), Math.max(Math.ceil(range.min), Math.round(value)));
    // Twelve significant digits: the recorded trial reads as it was tried, byte for byte.
    out[name] = range.integer ? value : Number(value.toPrecision(12));
  }
  return out;
}
