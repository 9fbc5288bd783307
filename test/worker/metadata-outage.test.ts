import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE } from '../../src/config/lake-config.js';
import { eventually, startCli, type CliProcess } from '../support/cli-process.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { TEAM_LAKE_ENV } from '../support/team-lake.js';
import { LOST_AFTER_MS, openGate, openWorkerLake, type WorkerLake } from './worker-fixture.js';

/** The longest wait of a worker's backoff against a lost database (METADATA_BACKOFF.maxMs). */
const BACKOFF_CAP_MS = 5_000;

/**
 * The metadata database unreachable while workers run, for real: the workers reach
 * PostgreSQL through a TCP proxy that the test cuts (open connections break, new ones are
 * refused) and restores. The outage lasts until every worker's heartbeat is older than the
 * lost-worker timeout and the backoff has reached its cap (about 8 s here): past that point
 * nothing changes with length (the waits stay at the cap), so this stands for the 30 s of
 * the issue.
 */
describe('workers while the metadata database is unreachable', () => {
  let s3: S3TestServer;
  let team: WorkerLake;
  let proxy: TcpProxy;
  let direct: pg.Client;
  const workers: CliProcess[] = [];

  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'outage-lake' });
  }, 60_000);
  afterAll(() => s3.stop());
  beforeEach(async () => {
    team = await openWorkerLake(s3);
  }, 60_000);
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await direct?.end();
    await proxy?.close();
    await team.close();
  });

  it('back off, resume once it answers again, and fail no run for it', async () => {
    const config = JSON.parse(await readFile(join(team.dir, CONFIG_FILE), 'utf8')) as {
      metadata: { url: string };
    };
    const variable = /\$\{env:(\w+)\}/.exec(config.metadata.url)![1]!;
    const url = new URL(TEAM_LAKE_ENV[variable]!);
    direct = new pg.Client({ connectionString: url.toString() });
    await direct.connect();
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    const proxied = new URL(url);
    proxied.host = proxy.address;
    const env = { ...TEAM_LAKE_ENV, [variable]: proxied.toString() };
    const worker = (): CliProcess => {
      const started = startCli([...team.cli, 'worker', '--concurrency', '1'], env);
      workers.push(started);
      return started;
    };

    // Gated like the fixture's job, and saying when it waits: the cut must come while the
    // handlers wait on their gate, not while they read the job's record.
    const module = join(dirname(team.dir), 'waiting.ts');
    await writeFile(
      module,
      `import { appendFileSync, existsSync } from 'node:fs';
       import { setTimeout as sleep } from 'node:timers/promises';
       export async function transform(_inputs: unknown, ctx: { parameters: Record<string, string>; signal: AbortSignal; sql(q: string): unknown }) {
         appendFileSync(ctx.parameters.waiting!, 'w\\n');
         while (!existsSync(ctx.parameters.gate!)) await sleep(25, undefined, { signal: ctx.signal });
         return ctx.sql('select 1 as id');
       }`,
    );
    const waiting = join(dirname(team.dir), 'waiting');
    await team.lake.jobs.create('wide', {
      module,
      target: 'curated.wide',
      mode: 'append',
      maxConcurrentRuns: 4,
    });
    const runs = [];
    for (let i = 0; i < 4; i++) {
      runs.push(await team.lake.jobs.start('wide', { parameters: { gate: team.gate, waiting } }));
    }
    // Two workers, one run at a time each: two runs wait on their gate, two stay queued.
    worker();
    worker();
    await eventually(
      async () =>
        (await readFile(waiting, 'utf8').catch(() => '')).split('\n').length > 2 ? true : undefined,
      'two runs waiting on their gate',
    );

    proxy.cut();
    const cutAt = Date.now();
    const before = proxy.attempts;
    // Every worker now looks lost by its heartbeat, and the backoff has reached its cap.
    await eventually(async () => {
      const { rows } = await direct.query<{ newest: string }>(
        'select max(heartbeat_at) as newest from lb_worker',
      );
      return Date.now() - Number(rows[0]!.newest) > LOST_AFTER_MS + BACKOFF_CAP_MS
        ? true
        : undefined;
    }, 'every worker heartbeat to go stale');
    const outageMs = Date.now() - cutAt;
    const attempts = proxy.attempts - before;
    proxy.restore();

    // Two workers, each retrying its heartbeat, its run's heartbeat, and graphile's
    // listener: with a fixed 200 ms beat that would be 2 × 2 × outage / 200 ms attempts
    // and more; backing off to 5 s, a handful each.
    const fixedInterval = (2 * 2 * outageMs) / 200;
    expect(attempts).toBeGreaterThan(0);
    expect(attempts).toBeLessThan(fixedInterval / 3);

    await openGate(team);
    const ended = await Promise.all(runs.map((run) => team.lake.services.executor.wait(run.id)));
    expect(ended.map((run) => [run.status, run.attempt])).toEqual(Array(4).fill(['succeeded', 1]));
    // No attempt failed as lost, nor was any retried.
    expect(await team.lake.jobs.runs('wide')).toHaveLength(4);
    expect(await team.lake.history('curated.wide')).toHaveLength(4);
  }, 180_000);
});
