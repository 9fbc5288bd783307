import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLog, type LakeEvent } from '../../src/events/event-log.js';
import { EventTail } from '../../src/events/event-tail.js';
import type { MetaDb } from '../../src/meta/meta-db.js';
import { eventually } from '../support/cli-process.js';
import { META_BACKENDS, type MetaBackend } from '../support/meta-backends.js';

describe.each(META_BACKENDS)(
  'EventTail (the event dispatcher hook) on $name',
  (backend: MetaBackend) => {
    let handle: Awaited<ReturnType<MetaBackend['open']>>;
    let other: MetaDb;
    let tail: EventTail | undefined;
    beforeEach(async () => {
      handle = await backend.open();
      other = await handle.reopen();
    });
    afterEach(async () => {
      await tail?.stop();
      await other.close();
      await handle.cleanup();
    });

    it('hands every event appended after it started, from any connection, in id order, past a failing handler', async () => {
      const log = new EventLog(handle.meta.db, handle.meta.dialect);
      const writer = new EventLog(other.db, other.dialect);
      await log.append({ type: 'before.start' });
      const seen: LakeEvent[] = [];
      const failures: unknown[] = [];
      tail = new EventTail(log, { pollMs: 20, onError: (error) => failures.push(error) });
      tail.on((event) => {
        if (event.type === 'poison') throw new Error('handler failed');
      });
      tail.on((event) => void seen.push(event));
      tail.start();
      await eventually(
        async () => (tail!.position !== undefined ? true : undefined),
        'the tail to start',
      );
      await writer.appendMany([{ type: 'a' }, { type: 'poison' }, { type: 'b' }]);
      await log.append({ type: 'c' });
      await eventually(async () => (seen.length >= 4 ? true : undefined), 'four events');
      expect(seen.map((event) => event.type)).toEqual(['a', 'poison', 'b', 'c']);
      expect(seen.map((event) => event.id)).toEqual(
        [...seen.map((event) => event.id)].sort((x, y) => x - y),
      );
      expect(failures).toHaveLength(1);
    });
  },
);
