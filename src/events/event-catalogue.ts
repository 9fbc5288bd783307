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
export interface EventPayloads extends ResourceEvents {
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
  'run.queued': RunPayload;
  'run.running': RunPayload;
  'run.succeeded': RunPayload;
  'run.succeeded_with_errors': RunPayload;
  'run.failed': RunPayload;
  'run.cancelled': RunPayload;
}

/** The kinds of named resource whose records raise `<prefix>.created|updated|deleted`. */
export type ResourceEventPrefix =
  'job' | 'ruleset' | 'sync_task' | 'crawler' | 'source' | 'migration_task' | 'function';
type ResourceChange = 'created' | 'updated' | 'deleted';
type ResourceEvents = {
  [T in `${ResourceEventPrefix}.${ResourceChange}`]: { name: string };
};

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

/** An event about to be appended: its type decides the shape of its payload. */
export type NewEvent = {
  [T in EventType]: { type: T; subject?: string; payload: EventPayloads[T] };
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
  }),
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
