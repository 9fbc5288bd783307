import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

describe('lakebox crawler / crawl CLI (built CLI, own process)', () => {
  let root: string;
  let lake: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-crawl-cli-'));
    lake = join(root, 'lake');
    expect((await runCli(['init', lake])).code).toBe(0);
    for (const day of ['2024-01-01', '2024-01-02']) {
      await mkdir(join(lake, 'raw/sales/orders', `day=${day}`), { recursive: true });
      await writeFile(join(lake, 'raw/sales/orders', `day=${day}`, 'a.csv'), `id,amount\n1,2.5\n`);
    }
    await mkdir(join(lake, 'raw/junk'), { recursive: true });
    await writeFile(join(lake, 'raw/junk/empty.csv'), '');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('creates, runs and lists a crawler; shows files, partitions and schema history of a table', async () => {
    const env = { LAKEBOX_LAKE: lake };
    const created = await runCli(
      [
        'crawler',
        'create',
        'sales',
        '--database',
        'sales',
        '--target',
        'raw/sales/',
        '--schedule',
        '0 3 * * *',
      ],
      { env },
    );
    expect(created).toMatchObject({ code: 0 });
    const run = await runCli(['crawler', 'run', 'sales', '--wait'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 table\(s\) created/);
    expect(run.stdout).toContain('created     sales.orders');
    const runs = await runCli(['--json', 'crawler', 'runs', 'sales'], { env });
    expect(JSON.parse(runs.stdout)).toHaveLength(1);
    const table = await runCli(['table', 'sales.orders'], { env });
    expect(table.stdout).toContain('raw/sales/orders/day=2024-01-02/a.csv');
    expect(table.stdout).toMatch(/day=2024-01-01/);
    const json = JSON.parse((await runCli(['--json', 'table', 'sales.orders'], { env })).stdout);
    expect(json.files).toHaveLength(2);
    expect(json.schemaHistory).toHaveLength(1);
    const query = await runCli(
      [
        'query',
        "select sum(amount)::double as s from sales.orders where day = DATE '2024-01-02'",
        '--format',
        'json',
      ],
      { env },
    );
    expect(JSON.parse(query.stdout)).toEqual([{ s: 2.5 }]);
  });

  it('one-shot crawl: exit code 3 when files were skipped, 2 for a bad target or unknown crawler', async () => {
    const env = { LAKEBOX_LAKE: lake };
    const partial = await runCli(['crawl', 'raw/junk/', '--database', 'junk'], { env });
    expect(partial.code).toBe(3);
    expect(partial.stdout).toMatch(/skipped +raw\/junk\/empty\.csv: empty file/);
    const bad = await runCli(['crawl', 'nowhere/', '--database', 'junk'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\[INVALID_ARGUMENT\]$/m);
    const missing = await runCli(['crawler', 'run', 'nope'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[CRAWLER_NOT_FOUND]');
  });
});
