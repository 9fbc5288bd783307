// Wall time of `lakebox query "select 1"` in a fresh process, as a user types it.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, median, ms } from './measure.js';

const BIN = fileURLToPath(new URL('../bin/lakebox.js', import.meta.url));
const RUNS = Number(process.env['BENCH_RUNS'] ?? 15);

function wall(args: string[], cwd: string): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`lakebox ${args.join(' ')} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const dir = await mkdtemp(join(tmpdir(), 'lakebox-bench-cli-'));
try {
  wall(['init', dir], dir);
  const node: number[] = [];
  const select: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    node.push(Number(process.hrtime.bigint() - start) / 1e6);
    select.push(wall(['query', 'select 1'], dir));
    help.push(wall(['--help'], dir));
  }
  figure('node -e 0 (anchor), median', ms(median(node)));
  figure('lakebox --help, median', ms(median(help)));
  figure('lakebox query "select 1", median (target < 400 ms)', ms(median(select)));
} finally {
  await rm(dir, { recursive: true, force: true });
}
