import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  ListObjectsV2Command,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../src/runs/run.js';
import { eventually, startCli, type CliProcess } from '../support/cli-process.js';
import { gatedProxy, type GatedProxy } from '../support/gated-proxy.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { TEAM_LAKE_ENV } from '../support/team-lake.js';
import { openWorkerLake, type WorkerLake } from './worker-fixture.js';

/**
 * Two `lakebox worker`s on PostgreSQL metadata and S3 storage; one is SIGKILLed in the
 * middle of a sync and of a crawl. The lake reaches s3rver through a proxy that holds one
 * chosen request: the run is provably mid-way (some of its writes done, one waiting) when
 * the worker dies, with no clock involved. (The job case is in worker-processes.test.ts:
 * its transform waits on a gate file.)
 */
describe('a worker SIGKILLed in the middle of a run', () => {
  let s3: S3TestServer;
  let proxy: GatedProxy;
  let team: WorkerLake;
  let client: S3Client;
  let scratch: string;
  const workers: CliProcess[] = [];

  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'killed-midway' });
    client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      forcePathStyle: true,
    });
  }, 60_000);
  afterAll(async () => {
    client.destroy();
    await s3.stop();
  });
  beforeEach(async () => {
    proxy = await gatedProxy(s3.endpoint);
    team = await openWorkerLake({ ...s3, endpoint: proxy.endpoint });
    scratch = await mkdtemp(join(tmpdir(), 'lakebox-midway-'));
  }, 60_000);
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await proxy.close();
    await team.close();
    await rm(scratch, { recursive: true, force: true });
  });

  const worker = (): CliProcess => {
    const started = startCli([...team.cli, 'worker', '--concurrency', '1'], TEAM_LAKE_ENV);
    workers.push(started);
    return started;
  };
  /** The lake's objects under `path` of its storage, straight from s3rver. */
  const objects = async (path: string): Promise<string[]> => {
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${basename(team.dir)}/${path}` }),
    );
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  };
  const attempts = async (kind: string): Promise<Run[]> =>
    (await team.lake.runs.list({ kind })).sort((a, b) => a.attempt - b.attempt);

  /** Starts worker A with the run's held request, then B, kills A and lets the request go. */
  const killFirstMidway = async (
    start: () => Promise<Run>,
    held: Promise<void>,
    midway?: (run: Run) => Promise<boolean>,
  ) => {
    const first = worker();
    const { worker: firstId } = await first.event('started');
    const run = await start();
    await held;
    if (midway) await eventually(async () => ((await midway(run)) ? true : undefined), 'mid-way');
    const second = worker();
    const { worker: secondId } = await second.event('started');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    proxy.release();
    const final = await team.lake.services.executor.wait(run.id);
    return { run, final, firstId, secondId };
  };

  it('sync: the other worker copies only what was left, and every file is there once', async () => {
    const source = join(scratch, 'files');
    await mkdir(source);
    const names = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
    for (const name of names) await writeFile(join(source, name), `content of ${name}\n`);
    await team.lake.sync.createTask('files', { from: source, to: 'lake://raw/files' });

    const held = proxy.holdWhen(
      (req) => req.method === 'PUT' && decodeURIComponent(req.url!).includes('/raw/files/f10.txt'),
    );
    const { run, final, firstId, secondId } = await killFirstMidway(
      () => team.lake.sync.start('files'),
      held,
      // Mid-way: every other file is copied and journaled, f10 waits in the proxy.
      async (run) => (await team.lake.sync.report(run.id)).length >= 19,
    );

    expect(final).toMatchObject({ status: 'succeeded', attempt: 2, worker: secondId });
    const [lost, retried] = await attempts('sync');
    expect(lost).toMatchObject({ id: run.id, status: 'failed', worker: firstId });
    expect(lost!.error?.code).toBe('WORKER_LOST');
    expect(retried!.id).toBe(final.id);
    // The second attempt copied the one file the first had not finished.
    expect(final.metrics).toMatchObject({ filesTransferred: 1 });
    const prefix = `${basename(team.dir)}/raw/files/`;
    expect(await objects('raw/files/')).toEqual(names.map((name) => prefix + name));
    for (const name of names) {
      const body = await client.send(
        new GetObjectCommand({ Bucket: s3.bucket, Key: prefix + name }),
      );
      expect(await body.Body!.transformToString()).toBe(`content of ${name}\n`);
    }
  }, 120_000);

  it('crawl: the other worker finishes it, and each table is committed once', async () => {
    const put = (key: string, body: string) =>
      client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: `${basename(team.dir)}/raw/sales/${key}`,
          Body: body,
        }),
      );
    await put('orders/day=2024-01-01/a.csv', 'id,amount\n1,1.5\n2,2.25\n');
    await put('orders/day=2024-01-02/b.csv', 'id,amount\n3,3.1\n');
    await put('items/region=1/x.csv', 'sku,name\n10,bolt\n');
    await put('items/region=2/y.csv', 'sku,name\n20,nut\n21,washer\n');
    await team.lake.crawlers.create('sales', {
      database: 'sales',
      targets: [{ path: 'raw/sales/' }],
    });

    // Held: reading a file of the second table, once the crawl has listed and started.
    const held = proxy.holdWhen(
      (req) =>
        ['GET', 'HEAD'].includes(req.method!) &&
        decodeURIComponent(req.url!).includes('/raw/sales/items/region=2/'),
    );
    const { run, final, firstId, secondId } = await killFirstMidway(
      () => team.lake.crawlers.start('sales'),
      held,
    );

    expect(final).toMatchObject({ status: 'succeeded', attempt: 2, worker: secondId });
    const [lost] = await attempts('crawl');
    expect(lost).toMatchObject({ id: run.id, status: 'failed', worker: firstId });
    expect(lost!.error?.code).toBe('WORKER_LOST');
    expect(await team.lake.history('sales.orders')).toHaveLength(1);
    expect(await team.lake.history('sales.items')).toHaveLength(1);
    const count = async (table: string) =>
      (await team.lake.query(`select count(*)::int as n from ${table}`)).rows()[0];
    expect(await count('sales.orders')).toEqual({ n: 3 });
    expect(await count('sales.items')).toEqual({ n: 3 });
  }, 120_000);
});
