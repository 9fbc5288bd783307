import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { CONFIG_FILE } from '../../src/config/lake-config.js';
import { Lake } from '../../src/lake.js';
import { startCli, type CliProcess } from '../support/cli-process.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempDir } from '../support/temp-lake.js';

describe('several lakebox serve processes on one PostgreSQL lake', () => {
  let files: { dir: string; cleanup(): Promise<void> };
  let lake: Lake;
  let url: string;
  const servers: CliProcess[] = [];

  beforeEach(async () => {
    files = await tempDir();
    url = await createTestDatabase(inject('postgresUrl'));
    const dir = join(files.dir, 'lake');
    await (await Lake.init(dir, { metadata: postgresMetadata(url) })).close();
    const configPath = join(dir, CONFIG_FILE);
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    config['executor'] = { mode: 'workers', heartbeatMs: 200, lostAfterMs: 3000 };
    await writeFile(configPath, JSON.stringify(config));
    lake = await Lake.open(dir);
    await mkdir(join(files.dir, 'in'));
    await writeFile(join(files.dir, 'in', 'a.csv'), 'id\n1\n');
    await lake.sync.createTask('every_second', {
      from: join(files.dir, 'in'),
      to: 'lake://raw/landing',
      schedule: '* * * * * *',
    });
  }, 60_000);
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await server.exited;
    }
    await lake.close();
    await files.cleanup();
  });

  const start = (): CliProcess => {
    const server = startCli([
      '--lake',
      join(files.dir, 'lake'),
      'serve',
      '--port',
      '0',
      '--log-format',
      'json',
    ]);
    servers.push(server);
    return server;
  };

  it('exactly one schedules; SIGKILL it and the other takes over; no tick fires twice', async () => {
    const [a, b] = [start(), start()];
    await Promise.all([a.event('listening'), b.event('listening')]);
    const leader = await Promise.race([
      a.event('leader.acquired').then(() => a),
      b.event('leader.acquired').then(() => b),
    ]);
    const follower = leader === a ? b : a;
    await leader.event('tick.fired');
    const { port } = await follower.event('listening');
    const readiness = (await (await fetch(`http://127.0.0.1:${port as number}/readyz`)).json()) as {
      checks: { scheduler: { message: string } };
    };
    expect(readiness.checks.scheduler.message).toBe('follower');
    expect(follower.lines.some((line) => line.includes('"event":"leader.acquired"'))).toBe(false);

    leader.child.kill('SIGKILL');
    await leader.exited;
    await follower.event('leader.acquired');
    await follower.event('tick.fired');

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ run_id: string | null }>(
        "select run_id from lb_schedule_tick where schedule_key = 'sync:every_second'",
      );
      const runIds = rows.map((row) => row.run_id).filter((id): id is string => id !== null);
      expect(new Set(runIds).size).toBe(runIds.length); // one run per tick, one tick per run
      // Every run the schedule started came from one recorded tick (retries point back).
      const runs = await lake.runs.list({ kind: 'sync', name: 'every_second', limit: 1000 });
      const started = runs.filter((run) => run.retryOf === null).map((run) => run.id);
      expect(started.length).toBeGreaterThan(0);
      expect(started.every((id) => runIds.includes(id))).toBe(true);
    } finally {
      await client.end();
    }

    follower.child.kill('SIGTERM');
    expect(await follower.exited).toBe(0);
  }, 120_000);
});
