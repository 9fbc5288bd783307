import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

const ALL = { selection: [{ action: 'include' as const, table: '%' }] };

describe('sources and migration tasks as records', () => {
  let lake: Lake;
  let path: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const files = await tempDir();
    const opened = await tempLake();
    lake = opened.lake;
    path = join(files.dir, 'app.db');
    const db = new Database(path);
    db.exec(`create table users (id integer primary key, name text);
      insert into users values (1, 'ann'), (2, 'bob');`);
    db.close();
    cleanup = async () => {
      await opened.cleanup();
      await files.cleanup();
    };
  });
  afterEach(() => cleanup());

  it('keeps a source password as its reference, in the record, its update and its events', async () => {
    await lake.sources.create('shop', {
      engine: 'postgres',
      host: 'db',
      database: 'shop',
      user: 'lake',
      password: '${env:SHOP_PW}',
    });
    const literal = await lake.sources
      .update('shop', { password: 'hunter2-literal' })
      .catch((e: unknown) => e as Error);
    expect(literal).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((literal as Error).message).not.toContain('hunter2');
    const moved = await lake.sources.update('shop', { host: 'replica' });
    expect(moved.settings).toMatchObject({
      engine: 'postgres',
      host: 'replica',
      user: 'lake',
      password: '${env:SHOP_PW}',
    });
    const events = await lake.listEvents({ type: 'source.*' });
    expect(events.map((e) => [e.type, e.payload])).toEqual([
      ['source.created', { name: 'shop' }],
      ['source.updated', { name: 'shop' }],
    ]);
    expect(JSON.stringify(events)).not.toContain('hunter2');
  });

  it('names close sources and tasks in not-found errors', async () => {
    await lake.sources.create('app', { engine: 'sqlite', path });
    await lake.migrations.create('apptask', {
      source: 'app',
      targetDatabase: 'app',
      type: 'full-load',
      mappings: ALL,
    });
    await expect(lake.sources.get('ap')).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
      message: expect.stringContaining('did you mean app?'),
    });
    await expect(lake.migrations.start('apptsk')).rejects.toMatchObject({
      code: 'MIGRATION_TASK_NOT_FOUND',
      message: expect.stringContaining('did you mean apptask?'),
    });
  });

  it('updates a task without losing its run, and deletes its table states with it', async () => {
    await lake.sources.create('app', { engine: 'sqlite', path });
    await lake.migrations.create('apptask', {
      source: 'app',
      targetDatabase: 'app',
      type: 'full-load',
      mappings: ALL,
    });
    const run = await lake.migrations.wait((await lake.migrations.start('apptask')).id);
    expect(run.status).toBe('succeeded');

    const updated = await lake.migrations.update('apptask', { settings: { parallelTables: 1 } });
    expect(updated).toMatchObject({ runId: run.id, targetDatabase: 'app' });
    expect(updated.settings.parallelTables).toBe(1);
    await expect(lake.migrations.update('apptask', { type: 'cdc' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect((await lake.migrations.status('apptask')).tables).toHaveLength(1);

    await lake.migrations.delete('apptask');
    expect((await lake.listEvents({ type: 'migration_task.*' })).map((e) => e.type)).toEqual([
      'migration_task.created',
      'migration_task.updated',
      'migration_task.deleted',
    ]);
    // Created again, it starts with no table state (and loads afresh).
    await lake.migrations.create('apptask', {
      source: 'app',
      targetDatabase: 'app2',
      type: 'full-load',
      mappings: ALL,
    });
    expect((await lake.migrations.status('apptask')).tables).toEqual([]);
    expect((await lake.migrations.get('apptask')).runId).toBeNull();
  });
});
