import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const BIN = fileURLToPath(new URL('../../bin/lakebox.js', import.meta.url));

/**
 * Runs the CLI with stdout a real pipe whose reading end is closed after `lines` lines (0:
 * before the CLI writes anything), as `lakebox ... | head -N` does.
 */
function closedEarly(
  args: string[],
  lines: number,
): Promise<{ code: number | null; signal: string | null; read: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, LAKEBOX_LAKE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let read = '';
    let stderr = '';
    if (lines === 0) child.stdout.destroy();
    else
      child.stdout.on('data', (chunk: Buffer) => {
        read += chunk.toString();
        if (read.split('\n').length > lines) child.stdout.destroy();
      });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, read, stderr }));
  });
}

describe('output into a pipe closed early (lakebox ... | head)', () => {
  let root: string;
  let lake: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-pipe-'));
    lake = join(root, 'lake');
    expect((await runCli(['init', lake])).code).toBe(0);
    await writeFile(join(root, 'o.csv'), 'id,name\n1,a\n2,b\n');
    const cli = async (...args: string[]) =>
      expect((await runCli(['--lake', lake, ...args])).code).toBe(0);
    await cli('load', 'sales.orders', join(root, 'o.csv'));
    const source = new Database(join(root, 'shop.db'));
    source.exec('create table items (id integer primary key, name text)');
    source.close();
    await cli('source', 'create', 'shop', '--engine', 'sqlite', '--path', join(root, 'shop.db'));
    await cli('migrate', 'create', 'items', '--source', 'shop', '--target-database', 'shop');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const big = 'select range as id, md5(range::varchar) as h from range(300000)';
  for (const format of ['table', 'csv', 'json', 'ndjson']) {
    it(`query --format ${format} | head -2 ends quietly with exit 0`, async () => {
      const result = await closedEarly(['--lake', lake, 'query', big, '--format', format], 2);
      expect(result.stderr).toBe('');
      expect(result).toMatchObject({ code: 0, signal: null });
      expect(result.read.length).toBeGreaterThan(0);
    });
  }

  it('a closed pipe stops the query: a result of ten billion rows | head -2 ends', async () => {
    const endless = 'select range as id from range(10000000000)';
    for (const format of ['csv', 'ndjson']) {
      const result = await closedEarly(['--lake', lake, 'query', endless, '--format', format], 2);
      expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    }
  });

  for (const args of [
    ['query', 'select 1 as one'],
    ['table', 'sales.orders'],
    ['tables'],
    ['--json', 'runs'],
    ['migrate', 'status', 'items'],
  ]) {
    it(`${args.join(' ')} into a pipe closed before it writes ends quietly`, async () => {
      const result = await closedEarly(['--lake', lake, ...args], 0);
      expect(result.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
      expect(result.signal).toBeNull();
      // A command that fails still exits with its own code and one line on stderr.
      if (result.code !== 0) expect(result.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});
