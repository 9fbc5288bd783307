import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { startCli } from '../support/cli-process.js';
import { runCli } from '../support/run-cli.js';
import { tempLake } from '../support/temp-lake.js';
import { RECORD, trainDelay } from './fixtures.js';

describe('lakebox endpoint, through the built CLI', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ lake, dir, cleanup } = await tempLake());
    await trainDelay(lake);
  }, 120_000);
  afterAll(() => cleanup());

  const cli = (...args: string[]) => runCli(['--lake', dir, 'endpoint', ...args]);

  it('creates, lists, invokes, updates, serves alone and deletes an endpoint; errors on one line', async () => {
    const created = await cli(
      'create',
      'flights',
      '--variant',
      'a=delay:1:3',
      '--variant',
      'b=delay:2:1',
      '--shadow',
      'delay:2',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(
      'a=delay:1 (weight 3), b=delay:2 (weight 1), shadow=delay:2 (shadow)',
    );

    const missing = await cli('create', 'other', '--model', 'nosuch:1');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nosuch');
    const badVariant = await cli('create', 'other', '--variant', 'a=delay:1:heavy');
    expect(badVariant.code).not.toBe(0);
    expect(badVariant.stderr).toContain('NAME=REF:WEIGHT');

    const list = await cli('list', '--json');
    expect((JSON.parse(list.stdout) as Array<{ name: string }>).map((e) => e.name)).toEqual([
      'flights',
    ]);
    expect((await cli('list')).stdout).toContain('flights');

    const invoked = await cli(
      'invoke',
      'flights',
      '--data',
      JSON.stringify([RECORD, RECORD]),
      '--json',
    );
    expect(invoked.code).toBe(0);
    const answer = JSON.parse(invoked.stdout) as { variant: string; predictions: unknown[] };
    expect(['a', 'b']).toContain(answer.variant);
    expect(answer.predictions).toHaveLength(2);
    const file = join(dir, 'records.csv');
    await writeFile(file, 'hour,distance,origin\n20,900,JFK\n3,100,SFO\n');
    const fromCsv = await cli('invoke', 'flights', '--file', file);
    expect(fromCsv.code).toBe(0);
    expect(fromCsv.stdout).toMatch(/variant [ab] \(delay:[12]\)/);
    const wrong = await cli('invoke', 'flights', '--data', '{"hour": 3}');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('distance');

    const updated = await cli('update', 'flights', '--model', 'delay:2', '--no-shadow');
    expect(updated.code).toBe(0);
    expect((await lake.endpoints.get('flights')).variants).toEqual([
      { name: 'main', model: 'delay:2', weight: 1 },
    ]);
    expect((await lake.endpoints.get('flights')).shadow).toBeNull();

    const server = startCli([
      '--lake',
      dir,
      'endpoint',
      'serve',
      'flights',
      '--port',
      '0',
      '--log-format',
      'json',
    ]);
    try {
      const { port } = await server.event('listening');
      const response = await fetch(
        `http://127.0.0.1:${port as number}/endpoints/flights/invocations`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(RECORD),
        },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ variant: 'main', version: 2 });
      // The serving process writes its counts on its next poll (every second).
      let status = await cli('status', 'flights');
      for (let i = 0; i < 20 && !/main\s*│\s*1\s*│/.test(status.stdout); i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = await cli('status', 'flights');
      }
      expect(status.stdout).toContain('serving');
      expect(status.stdout).toContain('main=delay:2');
      expect(status.stdout).toMatch(/main\s*│\s*1\s*│\s*0/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    expect((await cli('delete', 'flights')).code).toBe(0);
    const gone = await cli('show', 'flights');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('does not exist');
  }, 120_000);
});
