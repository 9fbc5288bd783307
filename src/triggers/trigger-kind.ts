import { LakeError } from '../errors/lake-error.js';
import type { ResourceKind } from '../resources/resource-kind.js';
import type { TriggerPattern } from './trigger-pattern.js';
import { formatTarget, parseTarget, type TriggerTarget } from './trigger-target.js';

/** A trigger: events that match its pattern start its target. */
export interface Trigger {
  readonly name: string;
  readonly description: string | null;
  readonly pattern: TriggerPattern;
  readonly target: TriggerTarget;
  /** The input template, or undefined to give the target the event itself. */
  readonly input: unknown;
  readonly enabled: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface TriggerInput {
  name: string;
  description?: string | null;
  pattern: TriggerPattern;
  target: TriggerTarget;
  input?: unknown;
  enabled?: boolean;
}

// Names go into idempotency keys and consumer names: no colons or spaces.
const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** Triggers as rows of `lb_trigger`. */
export const TRIGGER_KIND: ResourceKind<Trigger, TriggerInput> = {
  table: 'lb_trigger',
  eventPrefix: 'trigger',
  normalizeName: (name) => name.toLowerCase(),
  checkName(name) {
    if (!NAME.test(name))
      throw new LakeError(
        'INVALID_IDENTIFIER',
        `Invalid trigger name ${JSON.stringify(name)}: use letters, digits, - and _, starting with a letter (at most 64 characters).`,
      );
  },
  encode: (trigger) => ({
    description: trigger.description ?? null,
    pattern: JSON.stringify(trigger.pattern),
    target: formatTarget(trigger.target),
    input: trigger.input === undefined ? null : JSON.stringify(trigger.input),
    enabled: trigger.enabled === false ? 0 : 1,
  }),
  decode: (row) => ({
    name: row['name'] as string,
    description: row['description'] as string | null,
    pattern: JSON.parse(row['pattern'] as string) as TriggerPattern,
    target: parseTarget(row['target'] as string),
    input: row['input'] === null ? undefined : (JSON.parse(row['input'] as string) as unknown),
    enabled: Number(row['enabled']) === 1,
    createdAt: new Date(Number(row['created_at'])),
    updatedAt: new Date(Number(row['updated_at'])),
  }),
  notFound: (name, { close }) =>
    new LakeError(
      'TRIGGER_NOT_FOUND',
      `Trigger ${name} does not exist.${close.length ? ` Did you mean ${close.join(', ')}?` : ' Create it with lakebox trigger create NAME --on TYPE --run KIND:NAME.'}`,
      { details: { close } },
    ),
  exists: (name) =>
    new LakeError(
      'TRIGGER_EXISTS',
      `Trigger ${name} already exists; delete it first or pick another name.`,
    ),
};
