import { LakeError } from '../errors/lake-error.js';
import { checkTypePattern, EVENT_TYPES, typeMatcher } from '../events/event-catalogue.js';
import type { LakeEvent } from '../events/event-log.js';
import { ZONES } from '../catalog/catalog-types.js';

/**
 * Which events a trigger takes: a type (with `*` wildcards) and filters on what the event
 * is about. `zone`, `prefix` and `suffix` look at an object's key (`raw/sales/day.csv`:
 * zone `raw`, prefix `sales/` within it), `table` at a table's name, `status` at a run's.
 * An event lacking the field a filter looks at does not match it.
 */
export interface TriggerPattern {
  type: string;
  zone?: string;
  prefix?: string;
  suffix?: string;
  table?: string;
  status?: string;
}

const FILTERS = ['zone', 'prefix', 'suffix', 'table', 'status'] as const;
/** The dispatcher's own events: a trigger on them would deliver its own deliveries. */
const OWN_EVENTS = 'trigger.';

/**
 * A pattern checked and normalised (table names lower-cased, empty filters dropped).
 *
 * @throws LakeError INVALID_ARGUMENT naming the field that is wrong and what it takes.
 */
export function checkPattern(input: TriggerPattern): TriggerPattern {
  const type = checkTypePattern(String(input.type ?? ''));
  const types = Object.keys(EVENT_TYPES).filter(typeMatcher(type));
  if (types.every((t) => t.startsWith(OWN_EVENTS))) {
    throw invalid(`A trigger cannot listen to the triggers' own events (${type}).`);
  }
  const pattern: TriggerPattern = { type };
  for (const field of FILTERS) {
    const value = input[field];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' || value.length > 1024 || value.includes('\0')) {
      throw invalid(`The ${field} filter must be text of at most 1024 characters.`);
    }
    pattern[field] = field === 'table' ? value.toLowerCase() : value;
  }
  if (pattern.zone !== undefined && !(ZONES as readonly string[]).includes(pattern.zone)) {
    throw invalid(`Zone "${pattern.zone}" does not exist; the zones are ${ZONES.join(', ')}.`);
  }
  if (pattern.prefix?.startsWith('/')) {
    throw invalid(
      `The prefix "${pattern.prefix}" starts with "/"; give it within the zone, such as sales/.`,
    );
  }
  const objectFilter = ['zone', 'prefix', 'suffix'].find((f) => f in pattern);
  if (objectFilter && !types.some((t) => t.startsWith('object.'))) {
    throw invalid(
      `The ${objectFilter} filter looks at objects, but ${type} matches no object.* event.`,
    );
  }
  if (pattern.table !== undefined && !/^[a-z0-9_]+\.[a-z0-9_*]+$/.test(pattern.table)) {
    throw invalid(`The table filter "${pattern.table}" must be DATABASE.TABLE (TABLE may be *).`);
  }
  if (pattern.status !== undefined && !types.some((t) => t.startsWith('run.'))) {
    throw invalid(`The status filter looks at runs, but ${type} matches no run.* event.`);
  }
  return pattern;
}

/** A predicate over events for a checked pattern. */
export function patternMatcher(pattern: TriggerPattern): (event: LakeEvent) => boolean {
  const typeMatches = typeMatcher(pattern.type);
  const tableMatches = pattern.table === undefined ? undefined : typeMatcher(pattern.table);
  return (event) => {
    if (event.type.startsWith(OWN_EVENTS) || !typeMatches(event.type)) return false;
    const { key, table, status } = event.payload;
    if (
      pattern.zone !== undefined ||
      pattern.prefix !== undefined ||
      pattern.suffix !== undefined
    ) {
      if (typeof key !== 'string' || !keyMatches(pattern, key)) return false;
    }
    if (tableMatches && (typeof table !== 'string' || !tableMatches(table))) return false;
    if (pattern.status !== undefined && status !== pattern.status) return false;
    return true;
  };
}

/** Whether `key` (`zone/rest`) passes the pattern's zone, prefix and suffix. */
export function keyMatches(pattern: TriggerPattern, key: string): boolean {
  const slash = key.indexOf('/');
  const zone = slash < 0 ? key : key.slice(0, slash);
  const rest = slash < 0 ? '' : key.slice(slash + 1);
  if (pattern.zone !== undefined && zone !== pattern.zone) return false;
  const within = pattern.zone !== undefined ? rest : key;
  if (pattern.prefix !== undefined && !within.startsWith(pattern.prefix)) return false;
  return pattern.suffix === undefined || key.endsWith(pattern.suffix);
}

/** One line for tables: `object.created zone=raw prefix=sales/`. */
export function describePattern(pattern: TriggerPattern): string {
  return [
    pattern.type,
    ...FILTERS.flatMap((f) => (pattern[f] === undefined ? [] : [`${f}=${pattern[f]}`])),
  ].join(' ');
}

function invalid(message: string): LakeError {
  return new LakeError('INVALID_ARGUMENT', message);
}
