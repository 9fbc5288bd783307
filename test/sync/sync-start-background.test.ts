import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import type { SyncExecution } from '../../src/migrate/files/sync-types.js';
import { gatedProxy, type GatedProxy } from '../support/gated-proxy.js';
import { runCli } from '../support/run-cli.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { tempDir } from '../support/temp-lake.js';

// Runs the built CLI (`npm run build` first), as a user would.
describe('lakebox sync start without --wait', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let s3: S3TestServer;
  let gate: GatedProxy;
  const lakeDir = () => join(dir, 'lake');
  const env = { SYNC_BG_KEY: 'S3RVER', SYNC_BG_SECRET: 'S3RVER' };
  const cli = (...args: string[]) => runCli(['--lake', lakeDir(), ...args], { env });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-sync-bg-'));
    s3 = await startS3Server({ bucket: 'sync-bg' });
    gate = await gatedProxy(s3.endpoint);
    await mkdir(join(dir, 'src'));
    for (let i = 0; i < 3; i++) await writeFile(join(dir, 'src', `f${i}.txt`), `file ${i}`);
    expect((await runCli(['init', lakeDir()])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await gate.close();
    await s3.stop();
    await cleanup();
  });

  it('prints the execution id and returns while the execution goes on in the background', async () => {
    const created = await cli(
      'sync',
      'create',
      'up',
      '--from',
      join(dir, 'src'),
      '--to',
      's3://sync-bg/up',
      '--s3-endpoint',
      gate.endpoint,
      '--s3-access-key-id',
      '${env:SYNC_BG_KEY}',
      '--s3-secret-access-key',
      '${env:SYNC_BG_SECRET}',
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });

    gate.hold();
    const started = await cli('sync', 'start', 'up');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const id = started.stdout.trim();
    expect(id).toMatch(/^run_\S+$/);

    // The CLI is gone; the execution is not: every S3 request waits at the gate.
    const status = await cli('--json', 'sync', 'status', id);
    expect(['queued', 'running']).toContain((JSON.parse(status.stdout) as SyncExecution).status);

    gate.release();
    const lake = await Lake.open(lakeDir(), { env: { ...process.env, ...env } });
    try {
      // Waits on an execution another process runs, reading its record until it has ended.
      const ended = await lake.sync.wait(id);
      expect(ended).toMatchObject({ status: 'succeeded', filesTransferred: 3 });
    } finally {
      await lake.close();
    }
    const shown = JSON.parse((await cli('--json', 'sync', 'status', id)).stdout) as SyncExecution;
    expect(shown).toMatchObject({ status: 'succeeded', task: 'up' });
  });

  it('fails in the foreground for a task that does not exist, starting nothing', async () => {
    const syncRuns = async () =>
      (JSON.parse((await cli('--json', 'runs', '--kind', 'sync')).stdout) as unknown[]).length;
    const before = await syncRuns();
    const missing = await cli('sync', 'start', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('[SYNC_TASK_NOT_FOUND]');
    expect(await syncRuns()).toBe(before);
  });
});
