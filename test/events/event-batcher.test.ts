import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBatcher } from '../../src/events/event-batcher.js';
import type { NewEvent } from '../../src/events/event-catalogue.js';
import { EventLog } from '../../src/events/event-log.js';
import { META_BACKENDS } from '../support/meta-backends.js';

/** A type the catalogue does not hold, to test the log's own filtering. */
const uncatalogued = (type: string): NewEvent => ({ type, payload: {} }) as unknown as NewEvent;

describe.each(META_BACKENDS)('event log on $name', (backend) => {
  let handle: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => (handle = await backend.open()));
  afterEach(() => handle.cleanup());

  it('appends in order, filters by type glob, subject and position', async () => {
    const log = new EventLog(handle.meta.db, handle.meta.dialect);
    const first = await log.append({
      type: 'object.created',
      subject: 'raw/a',
      payload: { key: 'raw/a', size: 1 },
    });
    await log.append({ type: 'object.removed', subject: 'raw/a', payload: { key: 'raw/a' } });
    await log.append({ type: 'table.dropped', subject: 'sales.orders', payload: { table: 'x' } });
    await log.append(uncatalogued('run_x.done'));
    expect((await log.list()).map((e) => e.type)).toEqual([
      'object.created',
      'object.removed',
      'table.dropped',
      'run_x.done',
    ]);
    expect((await log.list({ type: 'object.*' })).map((e) => e.type)).toEqual([
      'object.created',
      'object.removed',
    ]);
    // LIKE's own wildcards in a pattern are literal: `_` does not match any character.
    expect(await log.list({ type: 'run_x.*' })).toHaveLength(1);
    expect(await log.list({ type: 'runyx.*' })).toHaveLength(0);
    expect((await log.list({ after: first })).map((e) => e.type)[0]).toBe('object.removed');
    expect((await log.list({ subject: 'sales.orders' }))[0]!.payload).toEqual({ table: 'x' });
    expect((await log.list({ newestFirst: true, limit: 1 }))[0]!.type).toBe('run_x.done');
    // Consumers read the same events in delivery order from a position.
    const all = await log.read({ tx: 0, id: 0 });
    expect(all.map((e) => e.id)).toEqual((await log.list()).map((e) => e.id));
    expect((await log.read(all[1]!.position)).map((e) => e.type)).toEqual([
      'table.dropped',
      'run_x.done',
    ]);
    expect(await log.head()).toEqual(all.at(-1)!.position);
  });

  it('coalesces concurrent appends into few transactions, keeping every event and its order', async () => {
    const batcher = new EventBatcher(new EventLog(handle.meta.db, handle.meta.dialect));
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        batcher.append({
          type: 'object.created',
          subject: `raw/f${i}`,
          payload: { key: `raw/f${i}` },
        }),
      ),
    );
    const events = await new EventLog(handle.meta.db, handle.meta.dialect).list({
      type: 'object.created',
    });
    expect(events.map((e) => e.subject)).toEqual(
      Array.from({ length: 200 }, (_, i) => `raw/f${i}`),
    );
  });
});
