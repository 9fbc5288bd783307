import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import type { Run } from '../../src/runs/run.js';
import { gatedProxy, type GatedProxy } from '../support/gated-proxy.js';
import { runCli } from '../support/run-cli.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { tempDir } from '../support/temp-lake.js';

// Runs the built CLI (`npm run build` first), as a user would, on a lake whose zones are on
// s3rver behind a gate: while it holds, the crawl is provably still going.
describe('lakebox crawler run without --wait', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let s3: S3TestServer;
  let gate: GatedProxy;
  const lakeDir = () => join(dir, 'lake');
  const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  const cli = (...args: string[]) => runCli(['--lake', lakeDir(), ...args], { env });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-crawl-bg-'));
    s3 = await startS3Server({ bucket: 'crawl-bg' });
    gate = await gatedProxy(s3.endpoint);
    const init = await runCli(
      ['init', lakeDir(), '--storage', 's3://crawl-bg/lake', '--s3-endpoint', gate.endpoint],
      { env },
    );
    expect(init).toMatchObject({ code: 0 });
    await mkdir(join(dir, 'files', 'orders'), { recursive: true });
    await writeFile(join(dir, 'files', 'orders', 'a.csv'), 'id,amount\n1,2.5\n2,4\n');
    const synced = await cli(
      'sync',
      'run',
      '--from',
      join(dir, 'files'),
      '--to',
      'lake://raw/sales',
    );
    expect(synced.code).toBe(0);
    const created = await cli(
      'crawler',
      'create',
      'sales',
      '--database',
      'sales',
      '--target',
      'raw/sales/',
    );
    expect(created).toMatchObject({ code: 0 });
  }, 120_000);
  afterAll(async () => {
    await gate.close();
    await s3.stop();
    await cleanup();
  });

  it('prints the run id and returns while the crawl goes on in a background process', async () => {
    gate.hold();
    const started = await cli('--json', 'crawler', 'run', 'sales');
    expect(started).toMatchObject({ code: 0 });
    const run = JSON.parse(started.stdout) as Run;
    expect(run).toMatchObject({ kind: 'crawl', name: 'sales' });

    const shown = JSON.parse((await cli('--json', 'run', run.id)).stdout) as Run;
    expect(['queued', 'running']).toContain(shown.status);

    gate.release();
    const lake = await Lake.open(lakeDir(), { env: { ...process.env, ...env } });
    try {
      const ended = await lake.runs.wait(run.id);
      expect(ended).toMatchObject({ status: 'succeeded', metrics: { tablesCreated: 1 } });
    } finally {
      await lake.close();
    }
  });
});
