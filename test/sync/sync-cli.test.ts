import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

// Runs the built CLI: `npm run build` first.
describe('lakebox sync', () => {
  let root: string;
  let lake: string;
  let src: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-sync-cli-'));
    lake = join(root, 'lake');
    src = join(root, 'src');
    await mkdir(join(src, 'nested'), { recursive: true });
    for (let i = 0; i < 5; i++) await writeFile(join(src, 'nested', `f${i}.txt`), `file ${i}`);
    expect((await runCli(['init', lake])).code).toBe(0);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('verifies with checksums taken on worker threads, from the bundled CLI', async () => {
    const big = join(root, 'big');
    await mkdir(big, { recursive: true });
    // 40 MiB: enough bytes to hash for the sync to start its hashing threads.
    for (let i = 0; i < 20; i++)
      await writeFile(join(big, `part-${i}.bin`), Buffer.alloc(2 << 20, i));
    const env = { LAKEBOX_LAKE: lake };
    const first = await runCli(['sync', 'run', '--from', big, '--to', 'lake://raw/big'], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/20 transferred .* 20 verified/);
    const compared = await runCli(
      ['sync', 'run', '--from', big, '--to', 'lake://raw/big', '--compare', 'checksum'],
      { env },
    );
    expect(compared.code).toBe(0);
    expect(compared.stdout).toMatch(/0 transferred .* 20 skipped/);
  });

  it('creates, lists, starts, reports and shows the status of a task', async () => {
    const env = { LAKEBOX_LAKE: lake };
    const created = await runCli(
      [
        'sync',
        'create',
        'files',
        '--from',
        src,
        '--to',
        'lake://raw/files',
        '--verify',
        'all',
        '--include',
        '**/*.txt',
        '--schedule',
        '0 3 * * *',
      ],
      { env },
    );
    expect(created).toMatchObject({ code: 0, stdout: 'Created sync task files.\n' });
    const list = await runCli(['sync', 'list'], { env });
    expect(list.stdout).toMatch(/files.*lake:\/\/raw\/files.*0 3 \* \* \*/);

    const started = await runCli(['sync', 'start', 'files', '--wait'], { env });
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(
      /Sync succeeded in .*: 5 files found .* 5 transferred .* 5 verified \(execution (run_\S+)\)/,
    );
    const id = /execution (run_[^)\s]+)/.exec(started.stdout)![1]!;

    const status = JSON.parse((await runCli(['--json', 'sync', 'status', id], { env })).stdout);
    expect(status).toMatchObject({
      id,
      task: 'files',
      status: 'succeeded',
      phase: 'done',
      filesTransferred: 5,
    });
    const report = JSON.parse((await runCli(['--json', 'sync', 'report', id], { env })).stdout);
    expect(report).toHaveLength(5);
    expect(report[0]).toMatchObject({ outcome: 'transferred', code: null });

    const queued = await runCli(['sync', 'start', 'files'], { env });
    expect(queued.stdout).toMatch(/^run_\S+\n$/);
  });

  it('runs one-shot, exits 3 when files failed, 2 for bad input, and prints one line per error', async () => {
    const env = { LAKEBOX_LAKE: lake };
    await symlink('/proc/self/mem', join(src, 'unreadable.bin'));
    const partial = await runCli(['sync', 'run', '--from', src, '--to', 'lake://raw/oneshot'], {
      env,
    });
    expect(partial.code).toBe(3);
    expect(partial.stderr).toContain('1 file(s) failed');
    const id = /execution (run_[^)\s]+)/.exec(partial.stdout)![1]!;
    const failed = await runCli(['sync', 'report', id, '--outcome', 'failed'], { env });
    expect(failed.stdout).toMatch(/unreadable\.bin.*failed.*READ_ERROR/);

    const unknown = await runCli(['sync', 'start', 'nope'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^lakebox: No sync task named "nope".*\[SYNC_TASK_NOT_FOUND\]\n$/,
    );
    const bad = await runCli(['sync', 'run', '--from', src, '--to', 'lake://nowhere/x'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a zone.*\[INVALID_ARGUMENT\]/);
    const missing = await runCli(
      ['sync', 'run', '--from', join(root, 'missing'), '--to', 'lake://raw/x'],
      { env },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(2); // "started" and the one error line
    expect(missing.stderr).toMatch(/does not exist.*\[FILE_NOT_FOUND\]/);
  });
});
