import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { startCli, type CliProcess } from '../support/cli-process.js';
import { tempLake } from '../support/temp-lake.js';

describe('lakebox serve applies the event retention', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: CliProcess | undefined;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await server?.exited;
    await cleanup();
  });

  it('deletes events older than retentionDays, keeps what a durable consumer has not read, and says so', async () => {
    for (const key of ['raw/a', 'raw/b', 'raw/c']) await lake.services.store.put(key, 'x');
    const old = await lake.events.list({ type: 'object.*' });
    // A consumer that has read the first of them only.
    const consumer = lake.events.consumer('slow-dispatcher', { startAt: 'beginning' });
    const first = (await consumer.read()).find((event) => event.id === old[0]!.id)!;
    await consumer.commit(first.position);
    const db = new Database(join(dir, '.lakebox', 'meta.db'));
    try {
      // Forty days old, against the default of thirty.
      db.prepare('update lb_event set created_at = ?').run(Date.now() - 40 * 86_400_000);
    } finally {
      db.close();
    }
    await lake.services.store.put('raw/new', 'y');

    server = startCli(['--lake', dir, 'serve', '--port', '0', '--log-format', 'json']);
    const held = await server.event('events.retention_held');
    expect(held).toMatchObject({ consumer: 'slow-dispatcher' });
    const pruned = await server.event('events.pruned');
    expect(pruned).toMatchObject({ retentionDays: 30 });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const left = (await lake.events.list({ limit: 10_000 })).map((event) => event.id);
    // Everything up to the consumer's cursor is gone; what it has not read is kept.
    expect(left).not.toContain(old[0]!.id);
    for (const event of old.slice(1)) expect(left).toContain(event.id);
    expect((await lake.events.list({ subject: 'raw/new' })).length).toBe(1);
    expect((held['kept'] as number) >= old.length - 1).toBe(true);
  }, 60_000);
});
