import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { startCli, type CliProcess } from '../support/cli-process.js';
import { runCli } from '../support/run-cli.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempDir } from '../support/temp-lake.js';

describe('lakebox events tail on a PostgreSQL lake', () => {
  let files: { dir: string; cleanup(): Promise<void> };
  let lake: Lake;
  let url: string;
  let dir: string;
  let tail: CliProcess | undefined;

  beforeEach(async () => {
    files = await tempDir();
    url = await createTestDatabase(inject('postgresUrl'));
    dir = join(files.dir, 'lake');
    lake = await Lake.init(dir, { metadata: postgresMetadata(url) });
  }, 60_000);
  afterEach(async () => {
    if (tail && tail.child.exitCode === null) tail.child.kill('SIGKILL');
    await tail?.exited;
    await lake.close();
    await files.cleanup();
  });

  it('follows another process live, and prints an event held open in a transaction before a later one', async () => {
    await lake.services.store.put('raw/before.txt', 'x');
    const [newest] = await lake.listEvents({ newestFirst: true, limit: 1 });
    tail = startCli([
      '--lake',
      dir,
      '--json',
      'events',
      'tail',
      '--type',
      'object.*',
      '--after',
      String(newest!.id),
    ]);
    // A writer in this process holds its event uncommitted while a later one commits.
    const held = new pg.Client({ connectionString: url });
    await held.connect();
    try {
      await held.query('begin');
      await held.query(
        `insert into lb_event (type, subject, payload, created_at)
         values ('object.created', 'raw/slow.txt', '{"key":"raw/slow.txt"}', $1)`,
        [Date.now()],
      );
      await held.query(`select pg_notify('lakebox_events', '')`);
      await lake.services.store.put('raw/fast.txt', 'y'); // committed, and notified, at once
      await lake.services.catalog.createDatabase('sales'); // another type: not printed
      await held.query('commit');
    } finally {
      await held.end();
    }
    await tail.line((text) => text.includes('raw/fast.txt'), 'the later event');
    const printed = tail.lines.map((text) => JSON.parse(text) as { type: string; subject: string });
    expect(printed.map((event) => event.subject)).toEqual(['raw/slow.txt', 'raw/fast.txt']);
    expect(printed.every((event) => event.type.startsWith('object.'))).toBe(true);

    // And live: a sync in a third process (a lakebox CLI) reaches the tail.
    await mkdir(join(files.dir, 'in'));
    await writeFile(join(files.dir, 'in', 'after.txt'), 'z');
    const sync = await runCli([
      '--lake',
      dir,
      'sync',
      'run',
      '--from',
      join(files.dir, 'in'),
      '--to',
      'lake://raw/synced',
    ]);
    expect(sync.code, sync.stderr).toBe(0);
    await tail.line((text) => text.includes('raw/synced/after.txt'), 'the synced object');
    tail.child.kill('SIGTERM');
    expect(await tail.exited).toBe(0);
  }, 60_000);
});
