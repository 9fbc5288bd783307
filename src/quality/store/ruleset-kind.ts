import { LakeError } from '../../errors/lake-error.js';
import type { ResourceKind } from '../../resources/resource-kind.js';
import type { Ruleset } from '../quality-types.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export interface NewRuleset {
  name: string;
  rules: string;
  description: string | null;
}

/** Rulesets as rows of `lb_quality_ruleset`. Callers parse the rules before saving them. */
export const RULESET_KIND: ResourceKind<Ruleset, NewRuleset> = {
  table: 'lb_quality_ruleset',
  eventPrefix: 'ruleset',
  checkName(name) {
    if (!NAME.test(name)) {
      throw new LakeError(
        'INVALID_IDENTIFIER',
        `Invalid ruleset name ${JSON.stringify(name)}: use letters, digits, _, . and - (at most 128 characters).`,
      );
    }
  },
  encode: ({ rules, description }) => ({ rules, description }),
  decode: (row) => ({
    id: row['ruleset_id'] as number,
    name: row['name'] as string,
    description: row['description'] as string | null,
    rules: row['rules'] as string,
    createdAt: new Date(Number(row['created_at'])),
    updatedAt: new Date(Number(row['updated_at'])),
  }),
  notFound: (name, { close }) =>
    new LakeError(
      'RULESET_NOT_FOUND',
      `Ruleset ${name} does not exist${close.length ? `; did you mean ${close.join(', ')}?` : '; create it with lakebox quality create.'}`,
    ),
  exists: (name) =>
    new LakeError(
      'RULESET_EXISTS',
      `Ruleset ${name} already exists; choose another name or replace its rules (lakebox quality create ${name} --replace).`,
    ),
};
