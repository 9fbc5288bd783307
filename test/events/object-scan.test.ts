import { appendFile, copyFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempDir } from '../support/temp-lake.js';

const BACKENDS = [
  { name: 'sqlite', metadata: async () => undefined },
  {
    name: 'postgres',
    metadata: async () => postgresMetadata(await createTestDatabase(inject('postgresUrl'))),
  },
];

/** The subjects of the object events after `after`, as `type subject`. */
async function objectEvents(lake: Lake, after = 0): Promise<string[]> {
  const events = await lake.listEvents({ type: 'object.*', after, limit: 10_000 });
  return events.map((event) => `${event.type} ${event.subject}`);
}

async function lastEventId(lake: Lake): Promise<number> {
  const [last] = await lake.listEvents({ newestFirst: true, limit: 1 });
  return last?.id ?? 0;
}

/** Sets a file's mtime in the past, as `cp -p` or a sync does (its ctime stays now). */
async function age(path: string): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  await utimes(path, past, past);
}

/** Past the scanner's settle time (2 s). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2100));

describe.each(BACKENDS)(
  'object events for files that reach a zone by other means, on $name',
  (backend) => {
    let files: { dir: string; cleanup(): Promise<void> };
    let lake: Lake;
    let raw: string;
    beforeEach(async () => {
      files = await tempDir();
      const metadata = await backend.metadata();
      lake = await Lake.init(join(files.dir, 'lake'), metadata ? { metadata } : {});
      raw = join(files.dir, 'lake', 'raw');
    }, 60_000);
    afterEach(async () => {
      await lake.close();
      await files.cleanup();
    });

    it('in a lake made before object scans, records the files already there on the first scan, without an event', async () => {
      // What a lake opened for the first time by this version looks like: no zone recorded.
      await lake.services.db.deleteFrom('lb_object_zone').execute();
      await mkdir(join(raw, 'old'), { recursive: true });
      await writeFile(join(raw, 'old', 'a.csv'), 'a\n1\n');
      await writeFile(join(raw, 'old', 'b.csv'), 'b\n2\n');
      const before = await lastEventId(lake);
      expect(await lake.scanObjects()).toMatchObject({ baselined: 2, created: 0, removed: 0 });
      expect(await lake.scanObjects()).toMatchObject({ listed: 2, baselined: 0, created: 0 });
      expect(await objectEvents(lake, before)).toEqual([]);
    });

    it('a new lake announces a file copied in before its first scan', async () => {
      await writeFile(join(raw, 'early.csv'), 'a\n');
      expect(await lake.scanObjects()).toMatchObject({ baselined: 0, unsettled: 1 });
      await settle();
      expect(await lake.scanObjects()).toMatchObject({ baselined: 0, created: 1 });
      expect(await objectEvents(lake)).toEqual(['object.created raw/early.csv']);
    });

    it('a file copied into the folder raises one object.created; a removed one, object.removed', async () => {
      await lake.scanObjects();
      const source = join(files.dir, 'outside.csv');
      await writeFile(source, 'id\n1\n2\n');
      const before = await lastEventId(lake);
      await copyFile(source, join(raw, 'copied.csv'));
      // Copied just now: announced once looks 2 s apart find it unchanged, not a moment apart.
      expect(await lake.scanObjects()).toMatchObject({ created: 0, unsettled: 1 });
      expect(await lake.scanObjects()).toMatchObject({ created: 0, unsettled: 1 });
      await settle();
      expect(await lake.scanObjects()).toMatchObject({ created: 1, unsettled: 0 });
      expect(await lake.scanObjects()).toMatchObject({ created: 0, changed: 0 });
      expect(await objectEvents(lake, before)).toEqual(['object.created raw/copied.csv']);
      const [created] = await lake.listEvents({ type: 'object.created', after: before });
      expect(created!.payload).toMatchObject({ key: 'raw/copied.csv', size: 7 });

      await rm(join(raw, 'copied.csv'));
      expect(await lake.scanObjects()).toMatchObject({ removed: 1 });
      expect(await lake.scanObjects()).toMatchObject({ removed: 0 });
      expect(await objectEvents(lake, before)).toEqual([
        'object.created raw/copied.csv',
        'object.removed raw/copied.csv',
      ]);
    });

    it('announces a file rewritten in place again, waits for one copied with an old mtime, and ignores scratch names', async () => {
      await lake.scanObjects();
      await writeFile(join(raw, 'report.csv'), 'x\n');
      // As `cp -p` leaves it: an old mtime, but a fresh ctime, so it still has to settle.
      await age(join(raw, 'report.csv'));
      await writeFile(join(raw, 'copying.csv.part'), 'partial');
      await writeFile(join(raw, '.report.csv.Xa81b2'), 'rsync scratch');
      const before = await lastEventId(lake);
      expect(await lake.scanObjects()).toMatchObject({ listed: 1, created: 0, unsettled: 1 });
      await settle();
      expect(await lake.scanObjects()).toMatchObject({ listed: 1, created: 1 });
      await writeFile(join(raw, 'report.csv'), 'x\ny\n');
      expect(await lake.scanObjects()).toMatchObject({ changed: 0, unsettled: 1 });
      await settle();
      expect(await lake.scanObjects()).toMatchObject({ created: 0, changed: 1 });
      expect(await objectEvents(lake, before)).toEqual([
        'object.created raw/report.csv',
        'object.created raw/report.csv',
      ]);
    }, 20_000);

    it('what the lake writes or deletes itself (puts, a table write, a sync) is never announced again by a scan', async () => {
      await lake.scanObjects();
      const outside = join(files.dir, 'to-sync');
      await mkdir(outside);
      for (const name of ['a.csv', 'b.csv']) await writeFile(join(outside, name), name);
      await lake.services.store.put('raw/api/one.txt', 'one');
      await lake.services.store.put('raw/api/two.txt', 'two');
      await lake.writeTable('raw.orders', [{ id: 1 }, { id: 2 }]);
      await lake.services.store.delete('raw/api/two.txt');
      await lake.sync.wait(
        (await lake.sync.startCopy({ from: outside, to: 'lake://raw/synced' })).id,
      );
      const before = await lastEventId(lake);
      await settle();
      const first = await lake.scanObjects();
      expect(first).toMatchObject({ created: 0, changed: 0, removed: 0, unsettled: 0 });
      expect(first.listed).toBeGreaterThanOrEqual(2);
      expect(await lake.scanObjects()).toMatchObject({ created: 0, changed: 0, removed: 0 });
      expect(await objectEvents(lake, before)).toEqual([]);
    });

    it('a file still being written is not announced until it stops changing', async () => {
      await lake.scanObjects();
      const path = join(raw, 'big.bin');
      const before = await lastEventId(lake);
      await writeFile(path, Buffer.alloc(64 * 1024, 1));
      for (let i = 0; i < 4; i++) {
        expect(await lake.scanObjects()).toMatchObject({ created: 0, unsettled: 1 });
        await new Promise((resolve) => setTimeout(resolve, 600));
        await appendFile(path, Buffer.alloc(64 * 1024, 2));
      }
      // Written for 2.4 s, longer than the settle time, and never announced half-written.
      expect(await objectEvents(lake, before)).toEqual([]);
      expect(await lake.scanObjects()).toMatchObject({ unsettled: 1 });
      await settle();
      expect(await lake.scanObjects()).toMatchObject({ created: 1, unsettled: 0 });
      const [created] = await lake.listEvents({ type: 'object.created', after: before });
      expect(created!.payload).toMatchObject({ key: 'raw/big.bin', size: 5 * 64 * 1024 });
    }, 20_000);

    it('watching: a file copied in is announced soon, once, without a rescan', async () => {
      const scans: number[] = [];
      const errors: unknown[] = [];
      const watcher = await lake.watchObjects({
        rescanEveryMs: 600_000,
        onScan: (counts) => scans.push(counts.created),
        onError: (error) => errors.push(error),
      });
      try {
        const before = await lastEventId(lake);
        await mkdir(join(raw, 'drop'), { recursive: true });
        await writeFile(join(files.dir, 'in.csv'), 'a\n');
        await copyFile(join(files.dir, 'in.csv'), join(raw, 'drop', 'in.csv'));
        const deadline = Date.now() + 10_000;
        while ((await objectEvents(lake, before)).length === 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 100));
        await new Promise((resolve) => setTimeout(resolve, 800));
        expect(await objectEvents(lake, before)).toEqual(['object.created raw/drop/in.csv']);
        expect(errors).toEqual([]);
      } finally {
        await watcher.stop();
      }
    });

    it('watching while a sync copies into the zone: each file announced once, by the sync', async () => {
      const outside = join(files.dir, 'to-sync');
      await mkdir(outside);
      const names = Array.from({ length: 30 }, (_, i) => `f${i}.csv`);
      for (const name of names) await writeFile(join(outside, name), `${name}\n`);
      const errors: unknown[] = [];
      const watcher = await lake.watchObjects({
        rescanEveryMs: 600_000,
        onError: (error) => errors.push(error),
      });
      try {
        const before = await lastEventId(lake);
        await lake.sync.wait(
          (await lake.sync.startCopy({ from: outside, to: 'lake://raw/synced' })).id,
        );
        await settle();
        await settle();
        const events = await objectEvents(lake, before);
        expect(events.sort()).toEqual(names.map((n) => `object.created raw/synced/${n}`).sort());
        expect(errors).toEqual([]);
      } finally {
        await watcher.stop();
      }
    }, 30_000);

    it('two processes scanning at once announce a file once', async () => {
      const other = await Lake.open(join(files.dir, 'lake'));
      try {
        const names = Array.from({ length: 50 }, (_, i) => `two/f${i}.csv`);
        await mkdir(join(raw, 'two'));
        for (const name of names) await writeFile(join(raw, name), name);
        const before = await lastEventId(lake);
        await Promise.all([lake.scanObjects(), other.scanObjects()]);
        await settle();
        const counts = await Promise.all([lake.scanObjects(), other.scanObjects()]);
        expect(counts[0]!.created + counts[1]!.created).toBe(names.length);
        const events = await objectEvents(lake, before);
        expect(events.sort()).toEqual(names.map((name) => `object.created raw/${name}`).sort());
      } finally {
        await other.close();
      }
    });
  },
);
