import { LakeError } from '../../errors/lake-error.js';

/** A model version named by number, by alias, or the latest one. */
export type ModelRef =
  | { readonly model: string; readonly version: number }
  | { readonly model: string; readonly alias: string }
  | { readonly model: string; readonly latest: true };

const REF = /^([A-Za-z_][\w]*)(?::(\d+)|@([A-Za-z_][\w-]*))?$/;

/**
 * `churn:3` (version 3), `churn@production` (the version the alias points at), or `churn`
 * (the latest version).
 *
 * @example parseModelRef('churn@production') // { model: 'churn', alias: 'production' }
 * @throws LakeError INVALID_ARGUMENT for anything else.
 */
export function parseModelRef(ref: string): ModelRef {
  const match = REF.exec(ref.trim());
  if (!match)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${JSON.stringify(ref)} is not a model version: write NAME:VERSION (churn:3), NAME@ALIAS (churn@production) or NAME (its latest version).`,
    );
  const [, model, version, alias] = match as unknown as [string, string, string?, string?];
  const name = model.toLowerCase();
  if (version !== undefined) return { model: name, version: Number(version) };
  if (alias !== undefined) return { model: name, alias: alias.toLowerCase() };
  return { model: name, latest: true };
}

/** The ref as written back: `churn:3`, `churn@production`, `churn`. */
export function formatModelRef(ref: ModelRef): string {
  if ('version' in ref) return `${ref.model}:${ref.version}`;
  if ('alias' in ref) return `${ref.model}@${ref.alias}`;
  return ref.model;
}
