import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import type { Run } from '../../src/runs/run.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';

// Runs the built CLI (`npm run build` first), as a user would.
describe('lakebox job run without --wait', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const lakeDir = () => join(dir, 'lake');
  const cli = (...args: string[]) => runCli(['--lake', lakeDir(), ...args]);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-job-bg-'));
    await writeFile(join(dir, 'orders.csv'), 'id,amount\n1,5\n2,7\n');
    // The transform holds its run until the test creates the gate file: the run is provably
    // still going when the CLI has returned, with no clock involved.
    await writeFile(
      join(dir, 'gated.ts'),
      `import { existsSync } from 'node:fs';
       import { setTimeout as sleep } from 'node:timers/promises';
       export async function transform(inputs: Record<string, unknown>, ctx: { parameters: Record<string, string>; signal: AbortSignal; sql(q: string): unknown }) {
         while (!existsSync(ctx.parameters.gate!)) await sleep(20, undefined, { signal: ctx.signal });
         return ctx.sql(\`select id, amount from \${inputs.orders}\`);
       }\n`,
    );
    expect((await runCli(['init', lakeDir()])).code).toBe(0);
    expect((await cli('load', 'sales.orders', join(dir, 'orders.csv'))).code).toBe(0);
    const created = await cli(
      'job',
      'create',
      'gated',
      '--module',
      join(dir, 'gated.ts'),
      '--input',
      'sales.orders',
      '--target',
      'curated.orders',
    );
    expect(created.stderr).toBe('');
  });
  afterAll(() => cleanup());

  it('prints the run id and returns while the run goes on in a background process', async () => {
    const gate = join(dir, 'open');
    const started = await cli('--json', 'job', 'run', 'gated', '--param', `gate=${gate}`);
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const run = JSON.parse(started.stdout) as Run & { pid: number };
    expect(run).toMatchObject({ kind: 'job', name: 'gated', parameters: { job: 'gated' } });
    expect(run.pid).toBeGreaterThan(0);

    // The CLI is gone, the run is not: it is still queued or running, held at the gate.
    const shown = JSON.parse((await cli('--json', 'run', run.id)).stdout) as Run;
    expect(['queued', 'running']).toContain(shown.status);

    // A second start meets the job's limit of one run at a time, reported by the CLI that
    // asked, not lost in the background process.
    const second = await cli('job', 'run', 'gated', '--param', `gate=${gate}`);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('[JOB_CONCURRENCY_LIMIT]');
    expect(second.stderr).toContain(run.id);

    await writeFile(gate, '');
    const lake = await Lake.open(lakeDir());
    try {
      // Waits on a run another process runs: reads its record until it has ended.
      const ended = await lake.runs.wait(run.id);
      expect(ended).toMatchObject({ status: 'succeeded', metrics: { rowsWritten: 2 } });
      expect((await lake.query('select count(*) as n from curated.orders')).rows()).toEqual([
        { n: 2 },
      ]);
    } finally {
      await lake.close();
    }
  });

  it('fails in the foreground for a job that does not exist, starting nothing', async () => {
    const jobRuns = async () =>
      (JSON.parse((await cli('--json', 'runs', '--kind', 'job')).stdout) as Run[]).length;
    const before = await jobRuns();
    const missing = await cli('job', 'run', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('[JOB_NOT_FOUND]');
    expect(await jobRuns()).toBe(before);
  });
});
