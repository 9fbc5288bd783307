import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const BIN = fileURLToPath(new URL('../../bin/lakebox.js', import.meta.url));
const PEAK_RSS = fileURLToPath(new URL('../support/peak-rss.mjs', import.meta.url));
const MiB = 1024 * 1024;

interface Measured {
  code: number | null;
  stderr: string;
  /** The first 64 KiB and the last 4 KiB of stdout; the rest is only counted. */
  head: string;
  tail: string;
  lines: number;
  peakRss: number;
}

/**
 * Runs the built CLI with its whole stdout read and counted but not kept, and reports the
 * child's peak RSS, measured by the child itself (test/support/peak-rss.mjs).
 */
async function measured(args: string[], dir: string): Promise<Measured> {
  const rssFile = join(dir, `rss-${Math.random().toString(36).slice(2)}`);
  const result = await new Promise<Omit<Measured, 'peakRss'>>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PEAK_RSS, BIN, ...args], {
      env: { ...process.env, LAKEBOX_LAKE: '', LAKEBOX_TEST_PEAK_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let head = '';
    let tail = '';
    let lines = 0;
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (head.length < 64 * 1024) head += chunk.slice(0, 64 * 1024 - head.length);
      tail = (tail + chunk).slice(-4096);
      for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines += 1;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, head, tail, lines }));
  });
  return { ...result, peakRss: Number(await readFile(rssFile, 'utf8')) };
}

describe('query output of large results', () => {
  let root: string;
  let lake: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-query-output-'));
    lake = join(root, 'lake');
    expect((await runCli(['init', lake])).code).toBe(0);
    await writeFile(join(root, 'o.csv'), 'id,name\n1,a\n2,"b,c"\n3,\n');
    expect((await runCli(['--lake', lake, 'load', 'sales.orders', join(root, 'o.csv')])).code).toBe(
      0,
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  // 2,000,000 rows of about 45 bytes: held whole as JS values, this is well over a gigabyte.
  const big = 'select range as id, md5(range::varchar) as h from range(2000000)';
  // A `select 1` CLI process with DuckDB loaded peaks near 110 MiB, these near 150-170 MiB.
  const bound = 400 * MiB;

  for (const format of ['csv', 'ndjson', 'json']) {
    it(
      `query --format ${format} streams 2,000,000 rows in bounded memory`,
      { timeout: 240_000 },
      async () => {
        const result = await measured(['--lake', lake, 'query', big, '--format', format], root);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.peakRss).toBeLessThan(bound);
        if (format === 'csv') {
          expect(result.lines).toBe(2_000_001);
          expect(result.head.startsWith('id,h\n0,cfcd208495d565ef66e7dff9f98764da\n')).toBe(true);
          expect(result.tail.endsWith(`1999999,${md5Of1999999}\n`)).toBe(true);
        } else if (format === 'ndjson') {
          expect(result.lines).toBe(2_000_000);
          expect(result.head.split('\n')[0]).toBe(
            '{"id":0,"h":"cfcd208495d565ef66e7dff9f98764da"}',
          );
          expect(result.tail.endsWith(`{"id":1999999,"h":"${md5Of1999999}"}\n`)).toBe(true);
        } else {
          // One JSON array on one line, as `--format json` has always printed.
          expect(result.lines).toBe(1);
          expect(result.head.startsWith('[{"id":0,"h":"cfcd208495d565ef66e7dff9f98764da"},')).toBe(
            true,
          );
          expect(result.tail.endsWith(`{"id":1999999,"h":"${md5Of1999999}"}]\n`)).toBe(true);
        }
      },
    );
  }

  it('query --format table shows the first 1,000 rows of 130,000 and says how to get all', async () => {
    const result = await measured(
      ['--lake', lake, 'query', 'select range as id from range(130000)', '--format', 'table'],
      root,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.peakRss).toBeLessThan(bound);
    expect(result.head).toMatch(/│ 999 +│/);
    expect(result.head).not.toMatch(/│ 1000 +│/);
    expect(result.tail).toMatch(
      /The first 1,000 rows are shown; the result has more\. .*--format csv, json or ndjson/,
    );
  });

  it('query --format table of fewer rows than the cap counts them', async () => {
    const result = await runCli(['--lake', lake, 'query', 'select range as id from range(1000)']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/│ 999 +│/);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('1000 rows');
  });

  it('query --format ndjson prints one JSON object a line, as --format json prints them', async () => {
    const sql = 'select id, name from sales.orders order by id';
    const ndjson = await runCli(['--lake', lake, 'query', sql, '--format', 'ndjson']);
    const json = await runCli(['--lake', lake, 'query', sql, '--format', 'json']);
    expect(ndjson.stderr + json.stderr).toBe('');
    expect(ndjson.stdout).toBe(
      '{"id":1,"name":"a"}\n{"id":2,"name":"b,c"}\n{"id":3,"name":null}\n',
    );
    expect(JSON.parse(json.stdout)).toEqual(
      ndjson.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    );
    const empty = await runCli(['--lake', lake, 'query', `${sql} limit 0`, '--format', 'json']);
    expect(empty.stdout).toBe('[]\n');
    const none = await runCli(['--lake', lake, 'query', `${sql} limit 0`, '--format', 'ndjson']);
    expect(none.stdout).toBe('');
  });

  it('an error while the result streams fails the command with one line on stderr', async () => {
    const result = await runCli([
      '--lake',
      lake,
      'query',
      "select case when range < 100000 then range else error('boom at ' || range) end as v from range(200000)",
      '--format',
      'csv',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/boom at .*\[SQL_ERROR\]/);
    // DuckDB computes ahead in parallel, so the error may come before any row or after some.
    if (result.stdout !== '') expect(result.stdout.startsWith('v\n0\n')).toBe(true);
  });
});

const md5Of1999999 = '65a3ae52c278e2b96852e99530d41233';
