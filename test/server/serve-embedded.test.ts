import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { eventually, startCli, type CliProcess } from '../support/cli-process.js';
import { runCli } from '../support/run-cli.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

describe('lakebox serve on an embedded lake (SQLite)', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;
  let files: { dir: string; cleanup(): Promise<void> };
  let server: CliProcess | undefined;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
    files = await tempDir();
  });
  afterEach(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await server?.exited;
    await cleanup();
    await files.cleanup();
  });

  it('answers /healthz and /readyz, maps errors to JSON, fires a schedule once per tick and drains on SIGTERM', async () => {
    await mkdir(join(files.dir, 'in'));
    await writeFile(join(files.dir, 'in', 'a.csv'), 'id\n1\n');
    await lake.sync.createTask('every_second', {
      from: join(files.dir, 'in'),
      to: 'lake://raw/landing',
      schedule: '* * * * * *',
    });

    server = startCli(['--lake', dir, 'serve', '--port', '0', '--log-format', 'json']);
    const { port } = await server.event('listening');
    const base = `http://127.0.0.1:${port as number}`;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { metadata: { ok: true } } });
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'ROUTE_NOT_FOUND', message: expect.stringContaining('GET /nope') },
      requestId: expect.any(String),
    });

    await server.event('leader.acquired');
    const fired = await server.event('tick.fired', (e) => e['key'] === 'sync:every_second');
    const run = await eventually(async () => {
      const found = await lake.runs.get(fired['runId'] as string);
      return found.status === 'succeeded' ? found : undefined;
    }, 'the scheduled sync to succeed');
    expect(run.kind).toBe('sync');

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const events = server.lines.map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events.at(-2)).toBe('stopping');
    expect(events.at(-1)).toBe('stopped');
    // Every tick fired at most once.
    const ticks = server.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((e) => e['event'] === 'tick.fired')
      .map((e) => e['tickAt']);
    expect(new Set(ticks).size).toBe(ticks.length);
  }, 120_000);

  it('lakebox schedules lists what fires next, in its time zone', async () => {
    await lake.sync.createTask('nightly', {
      from: files.dir,
      to: 'lake://raw/nightly',
      schedule: 'CRON_TZ=Europe/Berlin 30 2 * * *',
    });
    await lake.writeTable('raw.seed', [{ id: 1 }]);
    await lake.jobs.create('hourly', {
      sql: 'select id from raw.seed',
      target: 'curated.hourly',
      schedule: '0 * * * *',
    });
    await expect(
      lake.jobs.create('bad', { sql: 'select 1', target: 'curated.bad', schedule: '61 * * * *' }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const listed = await runCli(['--lake', dir, '--json', 'schedules']);
    expect(listed.code).toBe(0);
    const schedules = JSON.parse(listed.stdout) as Array<{
      key: string;
      timeZone: string;
      next: string;
    }>;
    const nightly = schedules.find((s) => s.key === 'sync:nightly');
    expect(nightly).toMatchObject({ timeZone: 'Europe/Berlin' });
    expect(new Date(nightly!.next).getTime()).toBeGreaterThan(Date.now());
    expect(schedules.find((s) => s.key === 'job:hourly')).toMatchObject({ timeZone: 'UTC' });
    const text = await runCli(['--lake', dir, 'schedules']);
    expect(text.stdout).toContain('sync:nightly');
  }, 60_000);

  it('SIGKILLed while ticks are due, then restarted: no tick is lost or fired twice', async () => {
    await mkdir(join(files.dir, 'in'));
    await writeFile(join(files.dir, 'in', 'a.csv'), 'id\n1\n');
    await lake.sync.createTask('every_second', {
      from: join(files.dir, 'in'),
      to: 'lake://raw/landing',
      schedule: '* * * * * *',
    });
    const args = ['--lake', dir, 'serve', '--port', '0', '--log-format', 'json'];
    const first = startCli(args);
    server = first;
    const one = await first.event('tick.fired');
    await first.event('tick.fired', (e) => e['tickAt'] !== one['tickAt']);
    first.child.kill('SIGKILL');
    await first.exited;

    server = startCli(args);
    const resumed = await server.event('tick.fired');
    await server.event('tick.fired', (e) => e['tickAt'] !== resumed['tickAt']);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const metadata = lake.config.metadata;
    if (metadata.type !== 'sqlite') throw new Error('expected a SQLite lake');
    const file = isAbsolute(metadata.path) ? metadata.path : join(dir, metadata.path);
    const sqlite = new Database(file, { readonly: true });
    const ticks = sqlite
      .prepare(
        "select tick_at, run_id from lb_schedule_tick where schedule_key = 'sync:every_second' order by tick_at",
      )
      .all() as Array<{ tick_at: number; run_id: string | null }>;
    sqlite.close();
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    // One row per second from the first tick to the last: none skipped (the key refuses twice).
    const seconds = ticks.map((tick) => tick.tick_at / 1000);
    expect(seconds).toEqual(seconds.map((_, i) => seconds[0]! + i));
    // Only a tick recorded in the instant of the kill may lack its run.
    expect(ticks.filter((tick) => tick.run_id === null).length).toBeLessThanOrEqual(1);
  }, 120_000);
});
