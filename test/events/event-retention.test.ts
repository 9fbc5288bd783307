import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsumerCursors } from '../../src/events/consumer-cursors.js';
import { checkTypePattern } from '../../src/events/event-catalogue.js';
import { EventConsumer } from '../../src/events/event-consumer.js';
import { EventLog } from '../../src/events/event-log.js';
import { pruneEvents } from '../../src/events/event-retention.js';
import { META_BACKENDS, type MetaBackend } from '../support/meta-backends.js';

describe.each(META_BACKENDS)('durable consumers and retention on $name', (backend: MetaBackend) => {
  let handle: Awaited<ReturnType<MetaBackend['open']>>;
  beforeEach(async () => (handle = await backend.open()));
  afterEach(() => handle.cleanup());

  const appendAt = async (log: EventLog, key: string, createdAt: number) => {
    const id = await log.append({ type: 'object.created', subject: key, payload: { key } });
    await handle.meta.db
      .updateTable('lb_event')
      .set({ created_at: createdAt })
      .where('event_id', '=', id)
      .execute();
  };

  it('keeps its cursor across restarts, only forward, starting at the end unless told', async () => {
    const log = new EventLog(handle.meta.db, handle.meta.dialect);
    const cursors = new ConsumerCursors(handle.meta.db);
    await log.append({ type: 'object.created', subject: 'raw/old', payload: { key: 'raw/old' } });
    const fromNow = new EventConsumer('late', log, cursors);
    expect(await fromNow.read()).toEqual([]);
    const fromStart = new EventConsumer('early', log, cursors, { startAt: 'beginning' });
    const [old] = await fromStart.read();
    expect(old!.subject).toBe('raw/old');
    await fromStart.commit(old!.position);
    await log.append({ type: 'object.removed', subject: 'raw/old', payload: { key: 'raw/old' } });
    await log.append({ type: 'table.dropped', subject: 's.t', payload: { table: 's.t' } });
    // A new object on the same name (a restarted process) resumes after the commit.
    const again = new EventConsumer('early', log, cursors, { type: 'object.*' });
    const next = await again.read();
    expect(next.map((event) => event.type)).toEqual(['object.removed']);
    await again.commit(next[0]!.position);
    await again.commit(old!.position); // behind the stored cursor: ignored
    expect(await new EventConsumer('early', log, cursors, { type: 'object.*' }).read()).toEqual([]);
    expect((await cursors.list()).map((cursor) => cursor.name)).toEqual(['early', 'late']);
    expect(() => new EventConsumer('bad name!', log, cursors)).toThrow(/is not valid/);
  });

  it('deletes events past retention, but never one a durable consumer has not passed', async () => {
    const log = new EventLog(handle.meta.db, handle.meta.dialect);
    const cursors = new ConsumerCursors(handle.meta.db);
    const day = 86_400_000;
    const now = Date.now();
    for (let i = 0; i < 4; i += 1) await appendAt(log, `raw/old-${i}`, now - 40 * day);
    await appendAt(log, 'raw/new', now);
    const slow = new EventConsumer('slow', log, cursors, { startAt: 'beginning' });
    const [first, second] = await slow.read(2);
    await slow.commit(second!.position);

    const result = await pruneEvents(handle.meta.db, cursors, new Date(now - 30 * day));
    expect(result.deleted).toBe(2);
    expect(result.heldBy).toEqual([{ consumer: 'slow', kept: 2 }]);
    const left = await log.list();
    expect(left.map((event) => event.subject)).toEqual(['raw/old-2', 'raw/old-3', 'raw/new']);
    expect(left.some((event) => event.id === first!.id)).toBe(false);
    // The consumer reads on from where it was: nothing it had not seen is gone.
    expect((await slow.read()).map((event) => event.subject)).toEqual([
      'raw/old-2',
      'raw/old-3',
      'raw/new',
    ]);
    // Once the consumer is forgotten, retention deletes the rest of the old events.
    await cursors.delete('slow');
    expect(await pruneEvents(handle.meta.db, cursors, new Date(now - 30 * day))).toEqual({
      deleted: 2,
      heldBy: [],
    });
  });
});

describe('event type patterns', () => {
  it('accepts a type or a glob that matches a catalogued type, and refuses others in one line', () => {
    expect(checkTypePattern('object.*')).toBe('object.*');
    expect(checkTypePattern('run.failed')).toBe('run.failed');
    expect(() => checkTypePattern('objekt.*')).toThrow(/No event type matches "objekt\.\*"/);
    expect(() => checkTypePattern('object created')).toThrow(/is not valid/);
  });
});
