import { LakeError } from '../errors/lake-error.js';

/** A run's status as its `run.<status>` event names it (runs/run.ts must fit this). */
export type RunEventStatus =
  'queued' | 'running' | 'succeeded' | 'succeeded_with_errors' | 'failed' | 'cancelled';

interface RunPayload {
  runId: string;
  kind: string;
  name: string | null;
  status: RunEventStatus;
  attempt: number;
}

/**
 * Every event type the lake appends, with its payload: the one place they are declared.
 * Appends take a `NewEvent`, so a payload that does not fit its type is a build error.
 */
export interface EventPayloads extends ResourceEvents, KindRunEvents {
  'object.created': { key: string; size?: number; etag?: string };
  'object.removed': { key: string };
  'database.created': { database: string; zone: string };
  'database.dropped': { database: string };
  'table.created': { table: string; kind: string; location: string };
  'table.dropped': { table: string };
  /** A snapshot was committed: its id, parent, operation and summary counters. */
  'table.committed': {
    table: string;
    snapshotId: number;
    parentSnapshotId: number | null;
    operation: string;
    [summary: string]: number | string | null;
  };
  /** A crawler changed an existing table (new files, removed files or a new schema). */
  'table.updated': {
    table: string;
    snapshotId: number;
    crawler: string;
    runId: string;
    addedFiles: number;
    removedFiles: number;
    schemaChanged: boolean;
  };
  'crawler.succeeded': { crawler: string; runId: string; [metric: string]: number | string };
  'crawler.failed': { crawler: string; runId: string; error: string };
  'quality.succeeded': QualityPayload;
  'quality.failed': QualityPayload;
  'model.version.registered': {
    model: string;
    version: number;
    runId: string | null;
    origin: string;
  };
  'model.version.status': {
    model: string;
    version: number;
    status: string;
    previous: string;
    by: string;
  };
  'model.alias.moved': {
    model: string;
    alias: string;
    from: number | null;
    to: number;
    by: string;
  };
  /** A trigger started its target for an event. */
  'trigger.delivered': DeliveryPayload & { runId: string };
  /** A trigger could not start its target for an event (the target is gone, say). */
  'trigger.failed': DeliveryPayload & { error: string };
  /** A delivery was not made: the chain of triggers that led to the event is too long. */
  'trigger.stopped': DeliveryPayload & { maxChainDepth: number };
  'run.queued': RunPayload;
  'run.running': RunPayload;
  'run.succeeded': RunPayload;
  'run.succeeded_with_errors': RunPayload;
  'run.failed': RunPayload;
  'run.cancelled': RunPayload;
}

/** Run kinds that raise `<kind>.started` and `<kind>.<end>` beside `run.<status>`. */
export type RunEventKind = 'sync' | 'migration' | 'job';
/** The run events of a kind: `started` when it runs, then how it ended, with its metrics. */
export type KindRunChange =
  'started' | 'succeeded' | 'succeeded_with_errors' | 'failed' | 'cancelled';
type KindRunEvents = {
  [T in `${RunEventKind}.${KindRunChange}`]: RunPayload & { metrics: Record<string, number> };
};

/** The kinds of named resource whose records raise `<prefix>.created|updated|deleted`. */
export type ResourceEventPrefix =
  | 'job'
  | 'ruleset'
  | 'sync_task'
  | 'crawler'
  | 'source'
  | 'migration_task'
  | 'function'
  | 'trigger'
  | 'endpoint';
type ResourceChange = 'created' | 'updated' | 'deleted';
type ResourceEvents = {
  [T in `${ResourceEventPrefix}.${ResourceChange}`]: { name: string };
};

interface DeliveryPayload {
  trigger: string;
  eventId: number;
  eventType: string;
  target: string;
  chainDepth: number;
}

interface QualityPayload {
  resultId: number;
  ruleset: string | null;
  table: string;
  snapshotId: number | null;
  score: number;
  rulesPassed: number;
  rulesTotal: number;
  runId: string | null;
}

export type EventType = keyof EventPayloads;

/**
 * An event about to be appended: its type decides the shape of its payload. `source` and
 * `chainDepth` default to the run executing the append (see runs/run-cause.ts), or `lake`
 * and 0 outside every run.
 */
export type NewEvent = {
  [T in EventType]: {
    type: T;
    subject?: string;
    payload: EventPayloads[T];
    source?: string;
    chainDepth?: number;
  };
}[EventType];

/**
 * What each type means, for `lakebox events types` and the docs. A Record, so that a type
 * added to EventPayloads breaks the build until it is described here.
 */
export const EVENT_TYPES: Record<EventType, string> = {
  'object.created': 'an object was written to a zone',
  'object.removed': 'an object was deleted from a zone or vanished from it',
  'database.created': 'a database was created',
  'database.dropped': 'a database was dropped',
  'table.created': 'a table was registered',
  'table.dropped': 'a table was dropped',
  'table.committed': 'a snapshot of a table was committed',
  'table.updated': 'a crawler changed a table',
  'crawler.succeeded': 'a crawl ended',
  'crawler.failed': 'a crawl failed',
  'quality.succeeded': 'a ruleset passed on a table',
  'quality.failed': 'a ruleset failed on a table',
  'model.version.registered': 'a training run registered a new version of a model',
  'model.version.status': 'a model version was approved, rejected or archived',
  'model.alias.moved': 'an alias of a model was moved to another version',
  ...resourceEventTypes({
    job: 'job',
    ruleset: 'ruleset',
    sync_task: 'sync task',
    crawler: 'crawler',
    source: 'migration source',
    migration_task: 'migration task',
    function: 'function',
    trigger: 'trigger',
    endpoint: 'model endpoint',
  }),
  'trigger.delivered': 'a trigger started its target for an event',
  'trigger.failed': 'a trigger could not start its target for an event',
  'trigger.stopped': 'a delivery was stopped: the chain of triggers behind the event is too long',
  ...kindRunEventTypes({ sync: 'sync execution', migration: 'migration run', job: 'job run' }),
  'run.queued': 'a run was queued',
  'run.running': 'a run started',
  'run.succeeded': 'a run succeeded',
  'run.succeeded_with_errors': 'a run finished but skipped part of its input',
  'run.failed': 'a run failed',
  'run.cancelled': 'a run was cancelled',
};

function resourceEventTypes(
  labels: Record<ResourceEventPrefix, string>,
): Record<keyof ResourceEvents, string> {
  const entries = Object.entries(labels).flatMap(([prefix, label]) => [
    [`${prefix}.created`, `a ${label} was created`],
    [`${prefix}.updated`, `a ${label} was changed or replaced`],
    [`${prefix}.deleted`, `a ${label} was deleted`],
  ]);
  return Object.fromEntries(entries) as Record<keyof ResourceEvents, string>;
}

function kindRunEventTypes(
  labels: Record<RunEventKind, string>,
): Record<keyof KindRunEvents, string> {
  const entries = Object.entries(labels).flatMap(([kind, label]) => [
    [`${kind}.started`, `a ${label} started`],
    [`${kind}.succeeded`, `a ${label} succeeded`],
    [`${kind}.succeeded_with_errors`, `a ${label} finished but skipped part of its input`],
    [`${kind}.failed`, `a ${label} failed`],
    [`${kind}.cancelled`, `a ${label} was cancelled`],
  ]);
  return Object.fromEntries(entries) as Record<keyof KindRunEvents, string>;
}

const PATTERN = /^[a-z_*]+(\.[a-z_*]+)*$/;

/**
 * Checks a type pattern (`object.*`, `run.failed`, `*`): `*` matches any characters.
 *
 * @example checkTypePattern('table.*'); // 'table.*'
 * @throws LakeError INVALID_ARGUMENT for a malformed pattern, or one that no type matches.
 */
export function checkTypePattern(pattern: string): string {
  if (!PATTERN.test(pattern)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Event type pattern "${pattern.slice(0, 100)}" is not valid; write a type such as table.committed, or use * as a wildcard (object.*).`,
    );
  }
  const matcher = typeMatcher(pattern);
  if (!Object.keys(EVENT_TYPES).some(matcher)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `No event type matches "${pattern}"; the types are ${Object.keys(EVENT_TYPES).join(', ')}.`,
    );
  }
  return pattern;
}

/** A predicate for a type pattern, `*` matching any characters. */
export function typeMatcher(pattern: string): (type: string) => boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.]/g, '\\.'))
      .join('.*')}$`,
  );
  return (type) => regex.test(type);
}
