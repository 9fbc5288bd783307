import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_FILE } from '../../src/config/lake-config.js';
import { Lake } from '../../src/lake.js';
import type { S3TestServer } from '../support/s3-server.js';
import { TEAM_LAKE_ENV, teamLakeOptions } from '../support/team-lake.js';

/** Heartbeats in these tests: a worker silent for LOST_AFTER_MS is lost. */
export const HEARTBEAT_MS = 200;
export const LOST_AFTER_MS = 3000;

/**
 * A team lake (s3rver storage, PostgreSQL metadata) whose runs go to `lakebox worker`
 * processes, with a TypeScript job `gated` that holds its run until the file `gate` exists.
 */
export interface WorkerLake {
  lake: Lake;
  dir: string;
  gate: string;
  /** Global CLI arguments that point at this lake. */
  cli: string[];
  close(): Promise<void>;
}

export async function openWorkerLake(s3: S3TestServer): Promise<WorkerLake> {
  const dir = await mkdtemp(join(tmpdir(), 'lakebox-workers-'));
  const name = `lake-${Math.random().toString(36).slice(2)}`;
  const lakeDir = join(dir, name);
  const initial = await Lake.init(lakeDir, await teamLakeOptions(s3, name), { env: TEAM_LAKE_ENV });
  await initial.close();
  const configPath = join(lakeDir, CONFIG_FILE);
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  config['executor'] = { mode: 'workers', heartbeatMs: HEARTBEAT_MS, lostAfterMs: LOST_AFTER_MS };
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const lake = await Lake.open(lakeDir, { env: TEAM_LAKE_ENV });

  const gate = join(dir, 'gate');
  const module = join(dir, 'gated.ts');
  await writeFile(
    module,
    `import { existsSync } from 'node:fs';
     import { setTimeout as sleep } from 'node:timers/promises';
     export async function transform(_inputs: unknown, ctx: { parameters: Record<string, string>; signal: AbortSignal; sql(q: string): unknown }) {
       while (!existsSync(ctx.parameters.gate!)) await sleep(25, undefined, { signal: ctx.signal });
       return ctx.sql('select 1 as id');
     }`,
  );
  await lake.jobs.create('gated', {
    module,
    target: 'curated.gated',
    mode: 'append',
    maxRetries: 1,
  });
  return {
    lake,
    dir: lakeDir,
    gate,
    cli: ['--lake', lakeDir, '--json'],
    async close() {
      await lake.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function openGate(lake: WorkerLake): Promise<void> {
  return writeFile(lake.gate, 'open');
}
