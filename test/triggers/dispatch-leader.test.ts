import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import type { DeliveryNote, TriggerDispatcher } from '../../src/triggers/trigger-dispatcher.js';
import { eventually } from '../support/cli-process.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

/** On PostgreSQL one process of the lake delivers at a time; another takes over when it stops. */
describe('dispatchers of one lake on PostgreSQL', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('one leads and delivers; when it stops, the other leads and delivers the rest once', async () => {
    const made = await tempLake({
      metadata: postgresMetadata(await createTestDatabase(inject('postgresUrl'))),
    });
    cleanups.push(made.cleanup);
    const files = await tempDir('lakebox-dispatch-leader-');
    cleanups.push(files.cleanup);
    await writeFile(join(files.dir, 'noop.ts'), 'export const handler = () => 1;');
    await made.lake.functions.deploy(join(files.dir, 'noop.ts'), { name: 'noop' });
    await made.lake.triggers.create({
      name: 'any-object',
      pattern: { type: 'object.created', zone: 'raw' },
      target: 'function:noop',
    });
    // A second process of the same lake.
    const other = await Lake.open(made.dir);
    cleanups.push(() => other.close());

    const notes: Array<DeliveryNote & { by: string }> = [];
    const start = (lake: Lake, by: string): TriggerDispatcher => {
      const dispatcher = lake.triggers.dispatcher({
        pollMs: 50,
        leaderRetryMs: 50,
        onDelivery: (note) => notes.push({ ...note, by }),
      });
      dispatcher.start();
      return dispatcher;
    };
    const first = start(made.lake, 'first');
    await eventually(async () => first.leading || undefined, 'the first to lead');
    const second = start(other, 'second');
    cleanups.push(() => second.stop());

    await made.lake.services.store.put('raw/a.txt', 'a');
    await eventually(async () => (notes.length === 1 ? true : undefined), 'the first delivery');
    expect(second.leading).toBe(false);
    await first.stop();
    await eventually(async () => second.leading || undefined, 'the second to take over');
    await made.lake.services.store.put('raw/b.txt', 'b');
    await eventually(async () => (notes.length === 2 ? true : undefined), 'the second delivery');
    expect(notes.map((n) => n.by)).toEqual(['first', 'second']);
    // Recorded with the batch, just after the notes.
    await eventually(
      async () => (await made.lake.triggers.status('any-object')).counts.started === 2 || undefined,
      'both deliveries recorded',
    );
  });
});
