import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';

// Runs the built CLI (`npm run build` first), as a user would.
describe('lakebox job and lakebox table maintenance', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (...args: string[]) => runCli(['--lake', join(dir, 'lake'), ...args]);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-job-cli-'));
    await writeFile(join(dir, 'orders.csv'), 'id,day,amount\n1,2026-01-01,5\n2,2026-01-02,7\n');
    await writeFile(
      join(dir, 'daily.sql'),
      'select day, sum(amount) as total from sales.orders where amount >= ${min}::integer group by day',
    );
    expect((await runCli(['init', join(dir, 'lake')])).code).toBe(0);
    expect((await cli('load', 'sales.orders', join(dir, 'orders.csv'))).code).toBe(0);
  });
  afterAll(() => cleanup());

  it('creates a job, runs it with a parameter, lists its runs and shows its log', async () => {
    const created = await cli(
      'job',
      'create',
      'daily',
      '--sql',
      join(dir, 'daily.sql'),
      '--target',
      'curated.daily',
      '--mode',
      'overwrite',
      '--param',
      'min=0',
      '--bookmarks',
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain('Created job daily (sql)');

    const run = await cli('--json', 'job', 'run', 'daily', '--param', 'min=6', '--wait');
    expect(run.code).toBe(0);
    const record = JSON.parse(run.stdout) as {
      id: string;
      status: string;
      metrics: Record<string, number>;
    };
    expect(record).toMatchObject({ status: 'succeeded', metrics: { rowsRead: 2, rowsWritten: 1 } });

    const runs = JSON.parse((await cli('--json', 'job', 'runs', 'daily')).stdout) as Array<{
      id: string;
    }>;
    expect(runs.map((r) => r.id)).toEqual([record.id]);
    const logs = await cli('job', 'logs', record.id);
    expect(logs.stdout).toContain('committed snapshot');

    const bookmark = await cli('--json', 'job', 'bookmark', 'daily');
    expect(JSON.parse(bookmark.stdout)).toMatchObject([{ inputTable: 'sales.orders' }]);
    expect((await cli('job', 'bookmark', 'rewind', 'daily')).stdout).toContain(record.id);
    expect((await cli('job', 'bookmark', 'reset', 'daily')).code).toBe(0);
  });

  it('fails on one line with a stable code and the documented exit codes', async () => {
    const missing = await cli('job', 'run', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('[JOB_NOT_FOUND]');

    await writeFile(join(dir, 'bad.sql'), 'select nope from sales.orders');
    await cli('job', 'create', 'bad', '--sql', join(dir, 'bad.sql'), '--target', 'curated.bad');
    const failed = await cli('job', 'run', 'bad', '--wait');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/\[SQL_ERROR\]\n$/);
  });

  it('compacts, expires and vacuums a table as runs', async () => {
    expect((await cli('load', 'sales.orders', join(dir, 'orders.csv'))).code).toBe(0);
    const compact = await cli('--json', 'table', 'compact', 'sales.orders');
    expect(JSON.parse(compact.stdout)).toMatchObject({ kind: 'compact', status: 'succeeded' });
    const expire = await cli(
      'table',
      'expire',
      'sales.orders',
      '--older-than',
      '2999-01-01T00:00:00Z',
    );
    expect(expire.stdout).toContain('snapshot(s) expired');
    const vacuum = await cli('table', 'vacuum', 'sales.orders', '--grace', '0');
    expect(vacuum.code).toBe(0);
    expect(vacuum.stdout).toMatch(/deleted \d+ file/);
    const shown = await cli('table', 'sales.orders');
    expect(shown.code).toBe(0);
    const bad = await cli('table', 'expire', 'sales.orders', '--older-than', 'soon');
    expect(bad).toMatchObject({ code: 2 });
  });
});
