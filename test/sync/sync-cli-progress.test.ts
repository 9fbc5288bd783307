import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

// Runs the built CLI: `npm run build` first.
const BIN = fileURLToPath(new URL('../../bin/lakebox.js', import.meta.url));
const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
// Any escape sequence or carriage return on a pipe is progress-bar noise.
const hasTerminalControl = (text: string) => text.includes('\r') || text.includes('\u001b');

describe('lakebox sync progress output', () => {
  let root: string;
  let src: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-sync-progress-'));
    src = join(root, 'src');
    await mkdir(join(src, 'nested'), { recursive: true });
    for (let i = 0; i < 4; i++) await writeFile(join(src, 'nested', `f${i}.txt`), `file ${i}`);
    env = { LAKEBOX_LAKE: join(root, 'lake') };
    expect((await runCli(['init', join(root, 'lake')])).code).toBe(0);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('prints no progress bar when stderr is not a terminal: one "started" line, then the final line', async () => {
    const result = await runCli(['sync', 'run', '--from', src, '--to', 'lake://raw/pipe'], {
      env,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Sync succeeded in [^\n]*4 transferred[^\n]*\(execution run_\S+\)\n$/,
    );
    expect(result.stderr).toMatch(/^Sync execution run_\S+ started\.\.\.\n$/);
    expect(hasTerminalControl(result.stdout + result.stderr)).toBe(false);
  });

  it('prints one JSON document on stdout with --json, and nothing on stderr, for start --wait and run', async () => {
    expect(
      (
        await runCli(['sync', 'create', 'progress', '--from', src, '--to', 'lake://raw/task'], {
          env,
        })
      ).code,
    ).toBe(0);
    const started = await runCli(['--json', 'sync', 'start', 'progress', '--wait'], { env });
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect(started.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(started.stdout)).toMatchObject({
      task: 'progress',
      status: 'succeeded',
      phase: 'done',
      filesTransferred: 4,
    });

    // Files that fail change the exit code, not the shape of the output.
    const unreadable = join(root, 'src-with-failure');
    await mkdir(unreadable);
    await writeFile(join(unreadable, 'ok.txt'), 'ok');
    await symlink('/proc/self/mem', join(unreadable, 'eio.bin')); // EIO on read, as root too
    const partial = await runCli(
      ['--json', 'sync', 'run', '--from', unreadable, '--to', 'lake://raw/partial'],
      { env },
    );
    expect(partial).toMatchObject({ code: 3, stderr: '' });
    expect(partial.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(partial.stdout)).toMatchObject({
      status: 'succeeded_with_errors',
      filesFailed: 1,
      filesTransferred: 1,
    });
  });

  it('draws a progress bar on a terminal whose last frame shows the end, and keeps stdout clean', async (ctx) => {
    if (!HAS_SCRIPT)
      ctx.skip('`script` (util-linux) is not installed: no pseudo-terminal to run the CLI on');
    const plain = await underTerminal(['sync', 'run', '--from', src, '--to', 'lake://raw/tty']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^Sync succeeded in [^\n]*\(execution run_\S+\)\n$/);
    // Stopping the bar moves to column 1 once more and ends the line: that empty tail is no frame.
    const frames = plain.terminal
      .split('\u001b[1G')
      .slice(1)
      .map((frame) => stripVTControlCharacters(frame))
      .filter((frame) => frame.trim() !== '');
    expect(frames.length).toBeGreaterThan(0);
    const last = frames.at(-1)!;
    expect(last).toMatch(/^done\s+\|[^|]+\| 100% 24 B\/24 B 4\/4 files/);

    // With --json the terminal stays quiet too: stdout is for the document only.
    const json = await underTerminal([
      '--json',
      'sync',
      'run',
      '--from',
      src,
      '--to',
      'lake://raw/tty-json',
    ]);
    expect(json.code).toBe(0);
    expect(json.terminal).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'succeeded', filesTransferred: 4 });
  });

  /** Runs the CLI with stderr on a pseudo-terminal and stdout into a file. */
  async function underTerminal(
    args: string[],
  ): Promise<{ code: number; stdout: string; terminal: string }> {
    const out = join(root, `stdout-${Date.now()}-${Math.random()}`);
    const command = [process.execPath, BIN, ...args].map(quote).join(' ') + ` > ${quote(out)}`;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let terminal = '';
    child.stdout.on('data', (chunk: Buffer) => (terminal += chunk.toString()));
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (exit) => resolve(exit ?? -1));
    });
    return { code, stdout: await readFile(out, 'utf8'), terminal };
  }
});

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
