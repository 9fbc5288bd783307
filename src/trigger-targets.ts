import type { Lake } from './lake.js';
import type { Run } from './runs/run.js';
import type {
  TargetEffects,
  TargetKind,
  TargetStart,
  TriggerTargets,
} from './triggers/trigger-target.js';

interface KindTargets {
  effects(name: string): Promise<TargetEffects>;
  start(name: string, start: TargetStart): Promise<Run>;
}

const NOTHING_CERTAIN = { tables: [], objects: [], types: [] };

/**
 * The resources a trigger may start, reached through the SDK. Each kind says what it writes
 * (so that a trigger fed by its own target is refused) and how it is started under a key
 * that makes a repeated delivery start it once. A Record: a new kind must be wired here.
 */
export function triggerTargets(lake: Lake): TriggerTargets {
  const kinds: Record<TargetKind, KindTargets> = {
    function: {
      // What a handler does is its own business: loops through it are stopped at run time.
      effects: async (name) => {
        await lake.functions.get(name);
        return { ...NOTHING_CERTAIN, takesInput: true };
      },
      // The event itself, as a Lambda gets it, unless the trigger shapes an input.
      start: (name, { event, input, idempotencyKey }) =>
        lake.functions.invokeAsync(name, input === undefined ? event : input, { idempotencyKey }),
    },
    job: {
      effects: async (name) => {
        const job = await lake.jobs.get(name);
        const [database, table] = job.target.split('.');
        const zone = (await lake.listDatabases()).find((d) => d.name === database)?.zone;
        return {
          tables: [job.target],
          objects: zone ? [{ prefix: `${zone}/${database}/${table}/`, suffix: '.parquet' }] : [],
          types: [],
          takesInput: true,
        };
      },
      start: (name, { input, idempotencyKey }) =>
        lake.jobs.start(name, { idempotencyKey, parameters: jobParameters(input) }),
    },
    crawler: {
      effects: async (name) => {
        const crawler = await lake.crawlers.get(name);
        return { ...NOTHING_CERTAIN, tables: [`${crawler.database}.*`], takesInput: false };
      },
      start: (name, { idempotencyKey }) => lake.crawlers.start(name, { idempotencyKey }),
    },
    sync: {
      effects: async (name) => {
        const { destination } = await lake.sync.getTask(name);
        const objects =
          destination.type === 'lake'
            ? [{ prefix: `${destination.zone}/${destination.prefix.replace(/^\/+/, '')}` }]
            : [];
        return { ...NOTHING_CERTAIN, objects, takesInput: false };
      },
      start: (name, { idempotencyKey }) => lake.sync.start(name, { idempotencyKey }),
    },
    migration: {
      effects: async (name) => {
        const task = await lake.migrations.get(name);
        return { ...NOTHING_CERTAIN, tables: [`${task.targetDatabase}.*`], takesInput: false };
      },
      start: (name, { idempotencyKey }) => lake.migrations.start(name, { idempotencyKey }),
    },
  };
  return {
    effects: (target) => kinds[target.kind].effects(target.name),
    start: (target, start) => kinds[target.kind].start(target.name, start),
  };
}

/** A job's parameters are strings: the input's fields, non-strings as JSON; none without one. */
function jobParameters(input: unknown): Record<string, string> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return {};
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
}
