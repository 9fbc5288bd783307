import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLog, type LakeEvent } from '../../src/events/event-log.js';
import type { MetaDb } from '../../src/meta/meta-db.js';
import { eventually } from '../support/cli-process.js';
import { META_BACKENDS } from '../support/meta-backends.js';

// On PostgreSQL an id is taken at insert and seen at commit; SQLite has one writer at a time.
const postgres = META_BACKENDS.find((backend) => backend.name === 'postgres')!;

describe('event ids commit in order on PostgreSQL: a cursor never passes a late commit', () => {
  let handle: Awaited<ReturnType<typeof postgres.open>>;
  let other: MetaDb;

  beforeEach(async () => {
    handle = await postgres.open();
    other = await handle.reopen(); // another process's connections
  });
  afterEach(async () => {
    await other.close();
    await handle.cleanup();
  });

  it('a writer that appends after an open transaction does not become visible before it', async () => {
    const first = new EventLog(handle.meta.db, handle.meta.dialect);
    const second = new EventLog(other.db, other.dialect);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const firstAppended = new Promise<void>((resolve) => (appended = resolve));
    const slow = handle.meta.db.transaction().execute(async (trx) => {
      await first.append({ type: 'race.slow' }, trx);
      appended();
      await held;
    });
    await firstAppended;
    let fastDone = false;
    const fast = second.append({ type: 'race.fast' }).then(() => (fastDone = true));
    // Either the fast writer committed (the bug) or it waits for the slow one (the fix).
    await eventually(
      async () => (fastDone || (await lockWaiters(other)) > 0 ? true : undefined),
      'the second writer to commit or to wait',
    );

    // A consumer reads, moves its cursor past what it saw, then reads on from there.
    const seen: LakeEvent[] = await first.list({ type: 'race.*' });
    const cursor = seen.at(-1)?.id ?? 0;
    release();
    await Promise.all([slow, fast]);
    seen.push(...(await first.list({ type: 'race.*', after: cursor })));

    expect(seen.map((event) => event.type)).toEqual(['race.slow', 'race.fast']);
  });

  it('many writers racing: every event a tailing reader sees comes after every one it saw', async () => {
    const logs = [
      new EventLog(handle.meta.db, handle.meta.dialect),
      new EventLog(other.db, other.dialect),
    ];
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 25; i += 1) {
          const log = logs[(w + i) % 2]!;
          await log.appendMany([{ type: 'burst.a' }, { type: 'burst.b' }]);
        }
      })(),
    );
    let done = false;
    const all = Promise.all(writers).then(() => (done = true));
    const seen: number[] = [];
    for (let finished = false; !finished;) {
      finished = done; // one more read after the writers are done
      const next = await logs[0]!.list({ type: 'burst.*', after: seen.at(-1) ?? 0 });
      seen.push(...next.map((event) => event.id));
    }
    await all;
    const every = (await logs[1]!.list({ type: 'burst.*', limit: 10_000 })).map((e) => e.id);
    expect(seen).toEqual(every);
    expect(every).toHaveLength(8 * 25 * 2);
  });
});

async function lockWaiters(meta: MetaDb): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted
  `.execute(meta.db);
  return rows[0]?.n ?? 0;
}
