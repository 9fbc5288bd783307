import { LakeError } from '../errors/lake-error.js';
import type { Run } from '../runs/run.js';
import type { DeliveredEvent } from './trigger-input.js';

/** What a trigger can start; pipelines join when they land. */
export type TargetKind = 'function' | 'job' | 'crawler' | 'sync' | 'migration';

/** What each kind is, for errors and help; a Record, so a new kind must be described. */
export const TARGET_KINDS: Record<TargetKind, string> = {
  function: 'a function, invoked asynchronously with the event (or the input)',
  job: 'a job, started with the input as its parameters',
  crawler: 'a crawler',
  sync: 'a sync task',
  migration: 'a migration task',
};

export interface TriggerTarget {
  kind: TargetKind;
  name: string;
}

/** What a target is certain to cause when it runs, for refusing a trigger that feeds itself. */
export interface TargetEffects {
  /** Tables it commits to (`db.table`, or `db.*` for any table of a database). */
  tables: string[];
  /** Key prefixes (`zone/...`) under which it writes objects, with their suffix when known. */
  objects: Array<{ prefix: string; suffix?: string }>;
  /** Event types it raises on every run besides its run events and those above. */
  types: string[];
  /** Whether an input template means anything to it (parameters of a job, a function's event). */
  takesInput: boolean;
}

/**
 * How the triggers reach the resources they start, through the SDK (lake.ts wires it), so
 * that this feature imports none of the others.
 */
export interface TriggerTargets {
  /** @throws LakeError the kind's not-found error (with close names) when it does not exist. */
  effects(target: TriggerTarget): Promise<TargetEffects>;
  /** Starts the target once per `idempotencyKey`, however often this is called. */
  start(target: TriggerTarget, start: TargetStart): Promise<Run>;
}

/** One start of a target for one event. */
export interface TargetStart {
  event: DeliveredEvent;
  /** The trigger's input template filled from the event; undefined when it has none. */
  input: unknown;
  idempotencyKey: string;
}

/**
 * `function:start-transform` → { kind: 'function', name: 'start-transform' }.
 *
 * @throws LakeError INVALID_ARGUMENT for a malformed target or an unknown kind.
 */
export function parseTarget(text: string): TriggerTarget {
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const name = text.slice(colon + 1);
  if (colon < 1 || name === '' || !(kind in TARGET_KINDS)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Target "${text.slice(0, 200)}" is not valid; write KIND:NAME with KIND one of ${Object.keys(TARGET_KINDS).join(', ')} (such as function:start-transform).`,
    );
  }
  return { kind: kind as TargetKind, name };
}

export function formatTarget(target: TriggerTarget): string {
  return `${target.kind}:${target.name}`;
}
