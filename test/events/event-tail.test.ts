import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/events/event-catalogue.js';
import { EventLog, type LakeEvent } from '../../src/events/event-log.js';
import { comparePositions } from '../../src/events/event-position.js';
import { EventTail } from '../../src/events/event-tail.js';
import type { MetaDb } from '../../src/meta/meta-db.js';
import { eventually } from '../support/cli-process.js';
import { META_BACKENDS, type MetaBackend } from '../support/meta-backends.js';

const created = (key: string): NewEvent => ({
  type: 'object.created',
  subject: key,
  payload: { key },
});

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

    it('hands every event appended after it started, from any connection, in order, past a failing handler', async () => {
      const log = new EventLog(handle.meta.db, handle.meta.dialect);
      const writer = new EventLog(other.db, other.dialect);
      await log.append(created('raw/before'));
      const seen: LakeEvent[] = [];
      const failures: unknown[] = [];
      const notifications = handle.meta.dialect.notifications;
      tail = new EventTail(log, {
        // With LISTEN/NOTIFY a commit wakes the tail: a poll this long never would in time.
        pollMs: notifications ? 600_000 : 20,
        notifications,
        onError: (error) => failures.push(error),
      });
      tail.on((event) => {
        if (event.subject === 'raw/poison') throw new Error('handler failed');
      });
      tail.on((event) => void seen.push(event));
      tail.start();
      await tail.ready();
      await writer.appendMany([created('raw/a'), created('raw/poison'), created('raw/b')]);
      await log.append(created('raw/c'));
      await eventually(async () => (seen.length >= 4 ? true : undefined), 'four events');
      expect(seen.map((event) => event.subject)).toEqual(['raw/a', 'raw/poison', 'raw/b', 'raw/c']);
      const positions = seen.map((event) => event.position);
      expect(positions).toEqual([...positions].sort(comparePositions));
      expect(failures).toHaveLength(1);
    });
  },
);
