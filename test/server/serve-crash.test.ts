import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { CONFIG_FILE } from '../../src/config/lake-config.js';
import { Lake } from '../../src/lake.js';
import { isTerminalStatus } from '../../src/runs/run.js';
import { eventually, startCli, type CliProcess } from '../support/cli-process.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempDir } from '../support/temp-lake.js';

/** Reads the metadata database directly: the test's lake must not be the one that looks. */
type Sql = <T>(text: string) => Promise<T[]>;

interface Setup {
  name: string;
  init(
    dir: string,
  ): Promise<{ executor: Record<string, unknown>; sql: Sql; close(): Promise<void> }>;
}

const SETUPS: Setup[] = [
  {
    name: 'PostgreSQL, runs dispatched to workers',
    async init(dir) {
      const url = await createTestDatabase(inject('postgresUrl'));
      await (await Lake.init(dir, { metadata: postgresMetadata(url) })).close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return {
        executor: { mode: 'workers', heartbeatMs: 200, lostAfterMs: 3000 },
        sql: async <T>(text: string) => (await client.query(text)).rows as T[],
        close: () => client.end(),
      };
    },
  },
  {
    name: 'an embedded lake (SQLite)',
    async init(dir) {
      await (await Lake.init(dir)).close();
      const db = new Database(join(dir, '.lakebox', 'meta.db'), { readonly: true });
      return {
        // A serve restarted within lostAfterMs takes over what its predecessor left queued.
        executor: { mode: 'embedded', concurrency: 1, heartbeatMs: 200, lostAfterMs: 20_000 },
        sql: async <T>(text: string) => db.prepare(text).all() as T[],
        close: async () => {
          db.close();
        },
      };
    },
  },
];

describe.each(SETUPS)(
  'lakebox serve SIGKILLed while ticks are due and runs are queued: $name',
  (setup) => {
    let files: { dir: string; cleanup(): Promise<void> };
    let lake: Lake;
    let meta: Awaited<ReturnType<Setup['init']>>;
    const servers: CliProcess[] = [];

    beforeEach(async () => {
      files = await tempDir();
      const dir = join(files.dir, 'lake');
      meta = await setup.init(dir);
      const configPath = join(dir, CONFIG_FILE);
      const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
      config['executor'] = meta.executor;
      await writeFile(configPath, JSON.stringify(config));
      lake = await Lake.open(dir);
      await mkdir(join(files.dir, 'in'));
      // 3 MB at 1 MB/s: the first sync runs for seconds while the next ticks queue behind it.
      await writeFile(join(files.dir, 'in', 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
      await lake.sync.createTask('every_second', {
        from: join(files.dir, 'in'),
        to: 'lake://raw/landing',
        schedule: '* * * * * *',
        options: { bandwidthLimit: 1024 * 1024 },
      });
    }, 60_000);
    afterEach(async () => {
      for (const server of servers.splice(0)) {
        if (server.child.exitCode === null) server.child.kill('SIGKILL');
        await server.exited;
      }
      await lake.close();
      await meta.close();
      await files.cleanup();
    });

    const start = (): CliProcess => {
      const server = startCli([
        '--lake',
        join(files.dir, 'lake'),
        'serve',
        '--port',
        '0',
        '--concurrency',
        '1',
        '--log-format',
        'json',
      ]);
      servers.push(server);
      return server;
    };
    const syncRuns = () => lake.runs.list({ kind: 'sync', name: 'every_second', limit: 1000 });

    it('after restart no tick is lost or doubled, and the queued runs execute', async () => {
      const first = start();
      await first.event('leader.acquired');
      const queued = await eventually(async () => {
        const runs = await syncRuns();
        const waiting = runs.filter((run) => run.status === 'queued');
        return runs.some((run) => run.status === 'running') && waiting.length >= 2
          ? waiting
          : undefined;
      }, 'a sync running and two ticks queued behind it');
      first.child.kill('SIGKILL');
      await first.exited;

      const second = start();
      await second.event('leader.acquired');
      await second.event('tick.fired');
      // The runs left queued by the dead process execute.
      for (const run of queued) {
        const ended = await eventually(async () => {
          const found = await lake.runs.get(run.id);
          return isTerminalStatus(found.status) ? found : undefined;
        }, `queued run ${run.id} to end`);
        expect(ended.status).toBe('succeeded');
      }
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      {
        const ticks = (
          await meta.sql<{ tick_at: number | string; run_id: string | null }>(
            "select tick_at, run_id from lb_schedule_tick where schedule_key = 'sync:every_second' order by tick_at",
          )
        ).map((tick) => ({ ...tick, tick_at: Number(tick.tick_at) }));
        // Every second from the first tick to the last has its row: none lost, across the kill.
        expect(ticks.map((tick) => tick.tick_at)).toEqual(
          ticks.map((_, i) => ticks[0]!.tick_at + i * 1000),
        );
        expect(ticks.every((tick) => tick.run_id !== null)).toBe(true);
        expect(new Set(ticks.map((tick) => tick.run_id)).size).toBe(ticks.length);
        // ...and no tick started twice: one first attempt per tick, each under its tick's key.
        const keyed = await meta.sql<{ run_id: string; idempotency_key: string }>(
          "select run_id, idempotency_key from lb_run where kind = 'sync' and retry_of is null",
        );
        expect(keyed.map((run) => run.run_id).sort()).toEqual(
          ticks.map((tick) => tick.run_id!).sort(),
        );
        expect(
          keyed.every((run) => run.idempotency_key.startsWith('schedule:sync:every_second@')),
        ).toBe(true);
      }
    }, 120_000);
  },
);
