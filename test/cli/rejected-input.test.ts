import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';

const BAD = 'x; drop table y';

// Runs the built CLI (`npm run build` first). Input a command rejects is refused before a
// run exists: exit 2 with the code, and `lakebox runs` shows no new run.
describe('rejected input creates no run', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (...args: string[]) => runCli(['--lake', join(dir, 'lake'), ...args]);
  const runIds = async () => {
    const listed = await cli('--json', 'runs', '--limit', '1000');
    expect(listed.code).toBe(0);
    return (JSON.parse(listed.stdout) as Array<{ id: string }>).map((run) => run.id);
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-rejected-'));
    await mkdir(join(dir, 'files'));
    await writeFile(join(dir, 'orders.csv'), 'id,amount\n1,5\n2,7\n');
    await writeFile(join(dir, 'rules.dqdl'), 'Rules = [ RowCount > 0 ]\n');
    await writeFile(join(dir, 'job.sql'), 'select id from sales.orders');
    expect((await runCli(['init', join(dir, 'lake')])).code).toBe(0);
    expect((await cli('load', 'sales.orders', join(dir, 'orders.csv'))).code).toBe(0);
    expect((await cli('quality', 'create', 'ok', '--rules', join(dir, 'rules.dqdl'))).code).toBe(0);
    const job = await cli(
      'job',
      'create',
      'copy',
      '--sql',
      join(dir, 'job.sql'),
      '--target',
      'curated.copy',
    );
    expect(job.stderr).toBe('');
  });
  afterAll(() => cleanup());

  it.each([
    ['load', ['load', BAD, 'orders.csv'], 'INVALID_IDENTIFIER'],
    ['load', ['load', 'sales.more', 'missing.csv'], 'FILE_NOT_FOUND'],
    ['load', ['load', 'sales.more', 'orders.csv', 'rules.dqdl'], 'UNSUPPORTED_FORMAT'],
    ['quality', ['quality', 'run', 'ok', '--table', BAD], 'INVALID_IDENTIFIER'],
    ['quality', ['quality', 'run', 'ok', '--table', 'sales.nope'], 'TABLE_NOT_FOUND'],
    [
      'quality',
      ['quality', 'run', 'ok', '--table', 'sales.orders', '--as-of', '99'],
      'SNAPSHOT_IN_FUTURE',
    ],
    ['quality', ['quality', 'run', BAD, '--table', 'sales.orders'], 'RULESET_NOT_FOUND'],
    ['sync', ['sync', 'run', '--from', 'files', '--to', `lake://${BAD}/x`], 'INVALID_ARGUMENT'],
    ['sync', ['sync', 'start', BAD], 'SYNC_TASK_NOT_FOUND'],
    ['sync', ['sync', 'start', BAD, '--wait'], 'SYNC_TASK_NOT_FOUND'],
    ['migrate', ['migrate', 'start', BAD], 'MIGRATION_TASK_NOT_FOUND'],
    ['migrate', ['migrate', 'start', BAD, '--wait'], 'MIGRATION_TASK_NOT_FOUND'],
    ['crawl', ['crawl', 'raw/files/', '--database', BAD], 'INVALID_IDENTIFIER'],
    ['crawl', ['crawler', 'run', BAD], 'CRAWLER_NOT_FOUND'],
    ['job', ['job', 'run', BAD], 'JOB_NOT_FOUND'],
    ['job', ['job', 'run', 'copy', '--param', `${BAD}=1`], 'INVALID_ARGUMENT'],
    ['job', ['job', 'run', 'copy', '--wait', '--param', `${BAD}=1`], 'INVALID_ARGUMENT'],
    ['table maintenance', ['table', 'compact', BAD], 'INVALID_IDENTIFIER'],
  ])('%s: lakebox %j is refused with %s', async (_kind, args, code) => {
    const before = await runIds();
    const refused = await runCli(['--lake', join(dir, 'lake'), ...args], { cwd: dir });
    expect(refused.stderr).toContain(`[${code}]`);
    expect(refused.stderr).not.toContain('(run run_');
    expect(refused.code).toBe(2);
    expect(await runIds()).toEqual(before);
  });
});
