import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsumerCursors } from '../../src/events/consumer-cursors.js';
import type { NewEvent } from '../../src/events/event-catalogue.js';
import { EventConsumer } from '../../src/events/event-consumer.js';
import { EventLog } from '../../src/events/event-log.js';
import type { MetaDb } from '../../src/meta/meta-db.js';
import { META_BACKENDS } from '../support/meta-backends.js';

// On PostgreSQL an id is taken at insert and seen at commit; SQLite has one writer at a time.
const postgres = META_BACKENDS.find((backend) => backend.name === 'postgres')!;

const created = (key: string): NewEvent => ({
  type: 'object.created',
  subject: key,
  payload: { key },
});

describe('a durable consumer on PostgreSQL never passes an event that commits late', () => {
  let handle: Awaited<ReturnType<typeof postgres.open>>;
  let other: MetaDb;
  let reader: MetaDb;

  beforeEach(async () => {
    handle = await postgres.open();
    other = await handle.reopen(); // another process's connections
    reader = await handle.reopen(); // the consumer's process
  });
  afterEach(async () => {
    await reader.close();
    await other.close();
    await handle.cleanup();
  });

  const consumerIn = (meta: MetaDb): EventConsumer =>
    new EventConsumer(
      'test-dispatcher',
      new EventLog(meta.db, meta.dialect),
      new ConsumerCursors(meta.db),
      { startAt: 'beginning' },
    );

  it('an event held open in one transaction while a later one commits in another', async () => {
    const slowWriter = new EventLog(handle.meta.db, handle.meta.dialect);
    const fastWriter = new EventLog(other.db, other.dialect);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: (id: number) => void;
    const slowId = new Promise<number>((resolve) => (appended = resolve));
    const slow = handle.meta.db.transaction().execute(async (trx) => {
      appended(await slowWriter.append(created('raw/slow'), trx));
      await held; // the transaction stays open, its event uncommitted
    });
    const heldId = await slowId;
    // The later event commits at once: writers do not wait for each other.
    const fastId = await fastWriter.append(created('raw/fast'));
    expect(fastId).toBeGreaterThan(heldId);
    expect((await fastWriter.list({ type: 'object.*' })).map((e) => e.id)).toEqual([fastId]);

    // The consumer reads in between: the committed later event is not handed out yet.
    const consumer = consumerIn(reader);
    const before = await consumer.read();
    expect(before).toEqual([]);
    await consumer.commit(await consumer.position());

    release();
    await slow;
    // A restarted consumer (a new object on its stored cursor) sees both, the early one first.
    const after = await consumerIn(reader).read();
    expect(after.map((event) => event.subject)).toEqual(['raw/slow', 'raw/fast']);
    await consumer.commit(after.at(-1)!.position);
    expect(await consumerIn(reader).read()).toEqual([]);
  });

  it('a rolled-back transaction holds the consumer back only while it is open', async () => {
    const writer = new EventLog(handle.meta.db, handle.meta.dialect);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const inFlight = new Promise<void>((resolve) => (appended = resolve));
    const doomed = handle.meta.db
      .transaction()
      .execute(async (trx) => {
        await writer.append(created('raw/rolled-back'), trx);
        appended();
        await held;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await inFlight;
    await new EventLog(other.db, other.dialect).append(created('raw/kept'));
    const consumer = consumerIn(reader);
    expect(await consumer.read()).toEqual([]);
    release();
    await doomed;
    expect((await consumer.read()).map((event) => event.subject)).toEqual(['raw/kept']);
  });

  it('many writers racing: a consumer committing as it goes sees every event exactly once', async () => {
    const logs = [
      new EventLog(handle.meta.db, handle.meta.dialect),
      new EventLog(other.db, other.dialect),
    ];
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 25; i += 1) {
          const log = logs[(w + i) % 2]!;
          await log.appendMany([created(`raw/${w}/${i}/a`), created(`raw/${w}/${i}/b`)]);
        }
      })(),
    );
    let done = false;
    const all = Promise.all(writers).then(() => (done = true));
    const consumer = consumerIn(reader);
    const seen: number[] = [];
    for (let finished = false; !finished;) {
      finished = done; // one more read after the writers are done
      const batch = await consumer.read(50);
      seen.push(...batch.map((event) => event.id));
      if (batch.length > 0) await consumer.commit(batch.at(-1)!.position);
      if (batch.length === 50) finished = false;
    }
    await all;
    const every = (await logs[1]!.list({ limit: 10_000 })).map((e) => e.id);
    expect([...seen].sort((a, b) => a - b)).toEqual(every);
    expect(new Set(seen).size).toBe(8 * 25 * 2);
  });
});
