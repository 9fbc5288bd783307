import { LakeError } from '../errors/lake-error.js';
import type { LakeEvent } from '../events/event-log.js';

/** An event as a trigger's target receives it (the shape EventBridge gives a Lambda). */
export interface DeliveredEvent {
  id: number;
  time: string;
  type: string;
  source: string;
  subject: string | null;
  detail: Record<string, unknown>;
}

export function deliveredEvent(event: LakeEvent): DeliveredEvent {
  return {
    id: event.id,
    time: event.createdAt.toISOString(),
    type: event.type,
    source: event.source,
    subject: event.subject,
    detail: event.payload,
  };
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const WHOLE = /^\$\{([^}]*)\}$/;
const PATH = /^(id|time|type|source|subject|detail)(\.[A-Za-z0-9_-]+)*$/;

/**
 * Checks an input template: JSON in which strings may hold `${detail.key}`, `${id}`,
 * `${time}`, `${type}`, `${source}` or `${subject}`. A string that is one placeholder takes
 * the value itself (a number stays a number); one inside text is written into it.
 *
 * @example checkTemplate('{"file":"${detail.key}","day":"${time}"}');
 * @throws LakeError INVALID_ARGUMENT for text that is not JSON or an unknown placeholder.
 */
export function checkTemplate(text: string): unknown {
  let template: unknown;
  try {
    template = JSON.parse(text);
  } catch (error) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The input template is not JSON (${(error as Error).message}); write it as JSON such as '{"file":"\${detail.key}"}'.`,
    );
  }
  for (const value of strings(template)) {
    for (const [, path] of value.matchAll(PLACEHOLDER)) {
      if (!PATH.test(path!)) {
        throw new LakeError(
          'INVALID_ARGUMENT',
          `The input template names \${${path}}; use id, time, type, source, subject or detail.FIELD (such as \${detail.key}).`,
        );
      }
    }
  }
  return template;
}

/** The template filled from `event`; a placeholder naming nothing gives null (or ''). */
export function renderTemplate(template: unknown, event: DeliveredEvent): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return lookup(event, whole[1]!) ?? null;
    return template.replace(PLACEHOLDER, (_, path: string) => {
      const value = lookup(event, path);
      return value === undefined || value === null
        ? ''
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    });
  }
  if (Array.isArray(template)) return template.map((item) => renderTemplate(item, event));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template).map(([key, value]) => [key, renderTemplate(value, event)]),
    );
  }
  return template;
}

function lookup(event: DeliveredEvent, path: string): unknown {
  let value: unknown = event;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) yield* strings(item);
}
