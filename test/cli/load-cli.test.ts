import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

describe('lakebox load of a ragged CSV', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-load-cli-'));
    await writeFile(join(root, 'r.csv'), 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n');
    env = { LAKEBOX_LAKE: join(root, 'lake') };
    expect((await runCli(['init', join(root, 'lake')])).code).toBe(0);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('refuses with exit 2, the file, the line and the problem, and creates no table', async () => {
    const load = await runCli(['load', 'bad.ragged', join(root, 'r.csv')], { env });
    expect(load.code).toBe(2);
    expect(load.stderr).toMatch(/r\.csv line 3: expected 3 fields .*found 2.*\[MALFORMED_FILE\]/);
    expect(load.stdout).not.toContain('Loaded');
    const tables = await runCli(['--json', 'tables'], { env });
    expect(JSON.parse(tables.stdout)).toEqual([]);
  });

  it('with --rejects loads the good row and reports the two it set aside', async () => {
    const load = await runCli(['load', 'bad.ragged', join(root, 'r.csv'), '--rejects'], { env });
    expect(load.code).toBe(0);
    expect(load.stdout).toMatch(/Loaded 1 rows .*; 2 row\(s\) rejected into bad\.load_rejects/);
    const rejects = await runCli(
      ['--json', 'query', 'select line from bad.load_rejects order by line'],
      { env },
    );
    expect(JSON.parse(rejects.stdout)).toEqual([{ line: 3 }, { line: 4 }]);
  });
});
