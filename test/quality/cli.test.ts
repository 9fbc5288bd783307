import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

// Runs the built CLI (npm run build first), as a user would.
describe('lakebox quality', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-quality-cli-'));
    env = { LAKEBOX_LAKE: join(root, 'lake') };
    await writeFile(join(root, 'orders.csv'), 'id,amount,status\n1,10,new\n2,20,paid\n3,-4,odd\n');
    await writeFile(
      join(root, 'good.dqdl'),
      '# every order\nRules = [\n  RowCount > 0,\n  IsUnique "id"\n]\n',
    );
    expect((await runCli(['init', join(root, 'lake')])).code).toBe(0);
    expect((await runCli(['load', 'sales.orders', join(root, 'orders.csv')], { env })).code).toBe(
      0,
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('creates rulesets from a file or text, and points at parse errors', async () => {
    const fromFile = await runCli(
      ['quality', 'create', 'good', '--rules', join(root, 'good.dqdl')],
      { env },
    );
    expect(fromFile).toMatchObject({ code: 0, stdout: 'Saved ruleset good (2 rule(s))\n' });
    const fromText = await runCli(
      [
        'quality',
        'create',
        'strict',
        '--rules-text',
        'Rules = [ ColumnValues "amount" >= 0, IsComplete "status" ]',
      ],
      { env },
    );
    expect(fromText.code).toBe(0);
    const broken = await runCli(
      ['quality', 'create', 'broken', '--rules-text', 'Rules = [\n  RowCount >\n]'],
      { env },
    );
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(
      'lakebox: Ruleset line 3, column 1: expected a number, a string in double quotes or NULL after ">", found "]". [RULESET_PARSE_ERROR]\n',
    );
    const list = await runCli(['--json', 'quality', 'list'], { env });
    expect(JSON.parse(list.stdout).map((r: { name: string }) => r.name)).toEqual([
      'good',
      'strict',
    ]);
  });

  it('runs a ruleset: exit 0 when it passes, 3 when a rule fails, 2 on a bad column', async () => {
    const good = await runCli(['quality', 'run', 'good', '--table', 'sales.orders'], { env });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(
      /Passed: 2 of 2 rule\(s\) passed \(score 1\) on sales\.orders at snapshot \d+/,
    );

    const strict = await runCli(['quality', 'run', 'strict', '--table', 'sales.orders'], { env });
    expect(strict.code).toBe(3);
    expect(strict.stdout).toMatch(/FAILED: 1 of 2 rule\(s\) passed \(score 0\.5\)/);
    expect(strict.stdout).toContain('{"id":3,"amount":-4,"status":"odd"}');

    const json = await runCli(['--json', 'quality', 'run', 'strict', '--table', 'sales.orders'], {
      env,
    });
    expect(json.code).toBe(3);
    const { run, result } = JSON.parse(json.stdout);
    expect(run).toMatchObject({ kind: 'quality', status: 'succeeded_with_errors' });
    expect(result).toMatchObject({ passed: false, score: 0.5, rulesTotal: 2 });

    await runCli(['quality', 'create', 'typo', '--rules-text', 'Rules = [ IsComplete "stats" ]'], {
      env,
    });
    const typo = await runCli(['quality', 'run', 'typo', '--table', 'sales.orders'], { env });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(
      /^lakebox: Column "stats" does not exist in sales\.orders .*did you mean status\? \(run run_\w+\) \[COLUMN_NOT_FOUND\]\n$/,
    );
    const missing = await runCli(['quality', 'run', 'nothing', '--table', 'sales.orders'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[RULESET_NOT_FOUND]');
  });

  it('lists stored results', async () => {
    const all = await runCli(['--json', 'quality', 'results'], { env });
    expect(JSON.parse(all.stdout).map((r: { ruleset: string }) => r.ruleset)).toEqual([
      'strict',
      'strict',
      'good',
    ]);
    const failed = await runCli(
      ['--json', 'quality', 'results', 'good', '--table', 'sales.orders'],
      { env },
    );
    expect(JSON.parse(failed.stdout)).toHaveLength(1);
    const table = await runCli(['quality', 'results', '--failed', '--rules'], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('ColumnValues "amount" >= 0');
  });
});
