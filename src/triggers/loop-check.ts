import type { LakeEvent } from '../events/event-log.js';
import { patternMatcher, type TriggerPattern } from './trigger-pattern.js';
import type { TargetEffects } from './trigger-target.js';

/** Stands for the unknown rest of a key or a table name: no pattern can hold it. */
const ANY = '\0';

/**
 * Why a trigger would certainly start itself again, or undefined: some event its target
 * raises on every run matches its own pattern. Only the certain cases are refused here; a
 * loop through other triggers or through what a function decides to do is stopped at run
 * time by the chain depth the events carry.
 */
export function certainLoop(pattern: TriggerPattern, effects: TargetEffects): string | undefined {
  const matches = patternMatcher(pattern);
  const raised: Array<{ event: LakeEvent; what: string }> = [
    ...(['queued', 'running'] as const).map((status) => ({
      event: fake(`run.${status}`, { status }),
      what: `its run is ${status}, raising run.${status}`,
    })),
    ...effects.types.map((type) => ({ event: fake(type, {}), what: `it raises ${type}` })),
    ...effects.tables.flatMap((table) =>
      (['table.created', 'table.committed', 'table.updated'] as const).map((type) => ({
        event: fake(type, { table: table.replace(/\*$/, ANY) }),
        what: `it writes ${table}, raising ${type}`,
      })),
    ),
    ...effects.objects.flatMap(({ prefix, suffix }) =>
      pattern.suffix !== undefined && suffix === undefined
        ? []
        : [
            {
              event: fake('object.created', { key: `${prefix}${ANY}${suffix ?? ''}` }),
              what: `it writes objects under ${prefix}`,
            },
          ],
    ),
  ];
  return raised.find(({ event }) => matches(event))?.what;
}

function fake(type: string, payload: Record<string, unknown>): LakeEvent {
  return {
    id: 0,
    type,
    subject: null,
    payload,
    createdAt: new Date(0),
    source: 'lake',
    chainDepth: 0,
    position: { tx: 0, id: 0 },
  };
}
