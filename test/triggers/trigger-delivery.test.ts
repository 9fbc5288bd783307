import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import type { DeliveryNote } from '../../src/triggers/trigger-dispatcher.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

/**
 * The dispatcher against a real lake, on each metadata dialect: matching events start the
 * target once, with the event as a function gets it; a dispatcher that lost its records
 * (as if it crashed after starting the target) starts nothing twice.
 */
describe.each([
  ['SQLite', undefined],
  ['PostgreSQL', 'postgres'],
] as const)('trigger delivery on %s', (_label, metadata) => {
  let lake: Lake;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const made = await tempLake(
      metadata
        ? { metadata: postgresMetadata(await createTestDatabase(inject('postgresUrl'))) }
        : {},
    );
    lake = made.lake;
    cleanups.push(made.cleanup);
    const files = await tempDir('lakebox-trigger-');
    cleanups.push(files.cleanup);
    const path = join(files.dir, 'echo.ts');
    await writeFile(path, 'export const handler = (event: unknown) => ({ got: event });');
    await lake.functions.deploy(path, { name: 'echo' });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('starts the target for each matching event, once, and records the delivery', async () => {
    await lake.triggers.create({
      name: 'new-sales',
      pattern: { type: 'object.created', zone: 'raw', prefix: 'sales/', suffix: '.csv' },
      target: 'function:echo',
    });
    const { store } = lake.services;
    await store.put('raw/sales/day-1.csv', 'id\n1\n');
    await store.put('raw/sales/day-1.json', '{}');
    await store.put('raw/other/day-1.csv', 'id\n1\n');
    const notes: DeliveryNote[] = [];
    const dispatcher = lake.triggers.dispatcher({ onDelivery: (note) => notes.push(note) });
    expect(await dispatcher.drain()).toBeGreaterThanOrEqual(3);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      trigger: 'new-sales',
      eventType: 'object.created',
      status: 'started',
      target: 'function:echo',
    });
    const run = await lake.runs.wait(notes[0]!.runId!);
    expect(run).toMatchObject({
      kind: 'function',
      name: 'echo',
      status: 'succeeded',
      chainDepth: 1,
    });
    expect(await lake.functions.result(run.id)).toEqual({
      got: {
        id: notes[0]!.eventId,
        time: expect.any(String),
        type: 'object.created',
        source: 'lake',
        subject: 'raw/sales/day-1.csv',
        detail: expect.objectContaining({ key: 'raw/sales/day-1.csv' }),
      },
    });
    // Read again: the cursor moved past them; nothing is delivered twice.
    expect(await dispatcher.drain()).toBeGreaterThanOrEqual(0);
    const status = await lake.triggers.status('new-sales');
    expect(status.counts).toEqual({ started: 1, failed: 0, stopped: 0 });
    expect(status.recent[0]).toMatchObject({ runId: run.id, chainDepth: 1 });
    const delivered = await lake.events.list({ type: 'trigger.delivered' });
    expect(delivered.map((e) => e.payload['runId'])).toEqual([run.id]);
  });

  it('never starts a target twice for one event, even when its records and cursor are lost', async () => {
    await lake.services.store.put('raw/sales/day-2.csv', 'id\n2\n');
    const first: DeliveryNote[] = [];
    const before = await lake.events.consumer('triggers').position();
    await lake.triggers.dispatcher({ onDelivery: (n) => first.push(n) }).drain();
    expect(first).toHaveLength(1);
    // As if the dispatcher died after starting the run, before recording the delivery or
    // moving its cursor: the next one delivers the event again, and finds the same run.
    await lake.services.db
      .deleteFrom('lb_trigger_delivery')
      .where('event_id', '=', first[0]!.eventId)
      .execute();
    await lake.services.db
      .updateTable('lb_event_consumer')
      .set({ tx_id: before.tx, event_id: before.id })
      .where('name', '=', 'triggers')
      .execute();
    const again: DeliveryNote[] = [];
    await lake.triggers.dispatcher({ onDelivery: (n) => again.push(n) }).drain();
    expect(again.map((n) => n.runId)).toEqual([first[0]!.runId]);
    const runs = await lake.runs.list({ kind: 'function', name: 'echo', limit: 100 });
    expect(runs.filter((r) => r.attempt === 1)).toHaveLength(2);
  });

  it('fills an input template, skips a disabled trigger and records a target that is gone', async () => {
    await lake.triggers.create({
      name: 'shaped',
      pattern: { type: 'object.created', zone: 'raw', prefix: 'shaped/' },
      target: 'function:echo',
      input: '{"file":"${detail.key}","size":"${detail.size}"}',
    });
    await lake.services.store.put('raw/shaped/a.txt', 'abc');
    const notes: DeliveryNote[] = [];
    await lake.triggers.dispatcher({ onDelivery: (n) => notes.push(n) }).drain();
    const shaped = notes.find((n) => n.trigger === 'shaped')!;
    await lake.runs.wait(shaped.runId!);
    expect(await lake.functions.result(shaped.runId!)).toEqual({
      got: { file: 'raw/shaped/a.txt', size: 3 },
    });

    await lake.triggers.disable('shaped');
    await lake.services.store.put('raw/shaped/b.txt', 'b');
    notes.length = 0;
    await lake.triggers.dispatcher({ onDelivery: (n) => notes.push(n) }).drain();
    expect(notes.filter((n) => n.trigger === 'shaped')).toEqual([]);
    await lake.triggers.enable('shaped');

    // The function is deleted after the trigger was made: the delivery fails, on record.
    const files = await tempDir('lakebox-trigger-gone-');
    cleanups.push(files.cleanup);
    await writeFile(join(files.dir, 'gone.ts'), 'export const handler = () => 1;');
    await lake.functions.deploy(join(files.dir, 'gone.ts'), { name: 'gone' });
    await lake.triggers.create({
      name: 'to-gone',
      pattern: { type: 'object.created', zone: 'raw', prefix: 'gone/' },
      target: 'function:gone',
    });
    await lake.functions.delete('gone');
    await lake.services.store.put('raw/gone/x', 'x');
    notes.length = 0;
    await lake.triggers.dispatcher({ onDelivery: (n) => notes.push(n) }).drain();
    expect(notes.find((n) => n.trigger === 'to-gone')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('FUNCTION_NOT_FOUND'),
    });
    expect((await lake.triggers.status('to-gone')).counts.failed).toBe(1);
  });

  it('refuses bad patterns, unknown targets, inputs that are not JSON and certain loops', async () => {
    const refused = (options: Parameters<Lake['triggers']['create']>[0]) =>
      lake.triggers.create(options).then(
        () => 'created',
        (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
      );
    expect(
      await refused({ name: 'a', pattern: { type: 'object.made' }, target: 'function:echo' }),
    ).toMatch(/^INVALID_ARGUMENT: No event type matches/);
    expect(
      await refused({ name: 'a', pattern: { type: 'object.created' }, target: 'function:ecko' }),
    ).toMatch(/^FUNCTION_NOT_FOUND: Function ecko does not exist. Did you mean echo\?/);
    expect(
      await refused({ name: 'a', pattern: { type: 'object.created' }, target: 'echo' }),
    ).toMatch(/^INVALID_ARGUMENT: Target "echo" is not valid/);
    expect(
      await refused({
        name: 'a',
        pattern: { type: 'object.created' },
        target: 'function:echo',
        input: '{x',
      }),
    ).toMatch(/^INVALID_ARGUMENT: The input template is not JSON/);
    expect(
      await refused({
        name: 'new-sales',
        pattern: { type: 'object.created' },
        target: 'function:echo',
      }),
    ).toMatch(/^TRIGGER_EXISTS/);

    await lake.writeTable('processed.sales', [{ id: 1 }]);
    await lake.jobs.create('copy_sales', {
      sql: 'select * from processed.sales',
      target: 'processed.sales_copy',
    });
    expect(
      await refused({
        name: 'loop',
        pattern: { type: 'table.committed', table: 'processed.sales_copy' },
        target: 'job:copy_sales',
      }),
    ).toMatch(/^TRIGGER_LOOP: Trigger loop would start itself/);
    expect(
      await refused({ name: 'loop', pattern: { type: 'run.*' }, target: 'function:echo' }),
    ).toMatch(/^TRIGGER_LOOP: .*run.queued/);
    // The job reads processed.sales and writes another table: no loop.
    expect(
      await refused({
        name: 'copy-on-commit',
        pattern: { type: 'table.committed', table: 'processed.sales' },
        target: 'job:copy_sales',
      }),
    ).toBe('created');
    await lake.triggers.delete('copy-on-commit');
    await expect(lake.triggers.get('copy-on-commit')).rejects.toMatchObject({
      code: 'TRIGGER_NOT_FOUND',
    });
  });
});
