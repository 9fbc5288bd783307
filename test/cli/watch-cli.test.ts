import { copyFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { startCli, type CliProcess } from '../support/cli-process.js';
import { runCli } from '../support/run-cli.js';
import { tempLake } from '../support/temp-lake.js';

describe('lakebox watch, and object watching in lakebox serve', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;
  let running: CliProcess | undefined;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    await running?.exited;
    running = undefined;
    await cleanup();
  });

  const created = async (): Promise<string[]> =>
    (await lake.listEvents({ type: 'object.created' })).map((event) => event.subject!);

  it('--once scans once and prints what it found', async () => {
    const path = join(dir, 'raw', 'dropped.csv');
    await writeFile(path, 'id\n1\n');
    const past = new Date(Date.now() - 60_000);
    await utimes(path, past, past);
    const first = await runCli(['--lake', dir, 'watch', '--once']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe('Announced 1 new, 0 changed and 0 removed object(s) of 1 listed.\n');
    const again = await runCli(['--lake', dir, '--json', 'watch', '--once']);
    expect(JSON.parse(again.stdout)).toEqual({
      listed: 1,
      created: 0,
      changed: 0,
      removed: 0,
      baselined: 0,
      unsettled: 0,
    });
    expect(await created()).toEqual(['raw/dropped.csv']);
  }, 60_000);

  it('runs in the foreground, announces a copied file soon, and stops on SIGTERM', async () => {
    running = startCli(['--lake', dir, 'watch', '--log-format', 'json']);
    await running.event('started');
    await writeFile(join(dir, 'in.csv'), 'a\n');
    await copyFile(join(dir, 'in.csv'), join(dir, 'raw', 'in.csv'));
    const scanned = await running.event('objects.scanned', (line) => line['created'] === 1);
    expect(scanned).toMatchObject({ created: 1, removed: 0 });
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.lines.map((line) => JSON.parse(line).event)).toContain('stopped');
    expect(await created()).toEqual(['raw/in.csv']);
  }, 60_000);

  it('lakebox serve announces a file copied into a zone', async () => {
    running = startCli(['--lake', dir, 'serve', '--port', '0', '--log-format', 'json']);
    await running.event('listening');
    await writeFile(join(dir, 'processed', 'out.parquet'), 'not really parquet');
    await running.event('objects.scanned', (line) => line['created'] === 1);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(await created()).toEqual(['processed/out.parquet']);
  }, 60_000);
});
