// File sync: 10,000 files of mixed sizes (about 1 GB) in nested folders, from a local
// directory into the lake (fs) and to an S3 server on loopback (s3rver), side by side with
// `rclone sync` in the same run when rclone is installed: first copy, no-change re-sync,
// re-sync after 1% of the files changed, and a no-change run comparing every checksum.
// BENCH_FILES, BENCH_BYTES and BENCH_S3=0 change the size or leave S3 out.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Lake } from '../src/lake.js';
import type { SyncOptions } from '../src/migrate/files/sync-types.js';
import { startS3Server } from '../test/support/s3-server.js';
import { figure, median, timed } from './measure.js';

const FILES = Number(process.env['BENCH_FILES'] ?? 10_000);
const BYTES = Number(process.env['BENCH_BYTES'] ?? 1024 ** 3);
const WITH_S3 = process.env['BENCH_S3'] !== '0';
const FIRST_COPIES = Number(process.env['BENCH_FIRST_COPIES'] ?? 5);
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../bin/lakebox.js', import.meta.url));

const root = await mkdtemp(join(tmpdir(), 'lakebox-bench-sync-'));
const src = join(root, 'src');
const rclone = await run('rclone', ['version']).then(
  () => true,
  () => false,
);
if (!rclone)
  console.log('rclone is not installed (apt-get install rclone): its figures are left out');

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

try {
  const total = await makeTree(src);
  figure('tree', `${FILES.toLocaleString()} files, ${(total / 1024 ** 2).toFixed(0)} MiB`);
  figure('creating a file on this disk, before', creationCost(join(root, 'probe-before')));
  const lake = await Lake.init(join(root, 'lake'));
  try {
    await scenario('fs', lake, 'lake://raw/bench', join(root, 'rclone-dst'), []);
    if (WITH_S3) {
      const server = await startS3Server({ bucket: 'bench' });
      try {
        process.env['BENCH_S3_KEY'] = server.credentials.accessKeyId;
        process.env['BENCH_S3_SECRET'] = server.credentials.secretAccessKey;
        const s3 = {
          endpoint: server.endpoint,
          accessKeyId: '${env:BENCH_S3_KEY}',
          secretAccessKey: '${env:BENCH_S3_SECRET}',
        };
        const rcloneEnv = [
          `--s3-provider=Other`,
          `--s3-endpoint=${server.endpoint}`,
          `--s3-access-key-id=${server.credentials.accessKeyId}`,
          `--s3-secret-access-key=${server.credentials.secretAccessKey}`,
          `--s3-force-path-style=true`,
        ];
        await scenario('s3', lake, 's3://bench/lakebox', ':s3:bench/rclone', rcloneEnv, s3);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await lake.close();
  }
  figure('creating a file on this disk, after', creationCost(join(root, 'probe-after')));
  figure(
    'peak RSS of the benchmark process (with its harness)',
    `${(peakRss / 1024 ** 2).toFixed(0)} MiB`,
  );
  figure(
    'peak RSS of `lakebox sync run`, first copy (target < 300 MB)',
    `${((await cliPeakRss(join(root, 'lake'))) / 1024).toFixed(0)} MiB`,
  );
} finally {
  clearInterval(sampler);
  await rm(root, { recursive: true, force: true });
}

async function scenario(
  label: string,
  lake: Lake,
  to: string,
  rcloneTo: string,
  rcloneArgs: string[],
  s3?: Record<string, string>,
): Promise<void> {
  const sync = async (options: Partial<SyncOptions> = {}, into = to) => {
    const { ms, value } = await timed(async () =>
      lake.sync.wait((await lake.sync.startCopy({ from: src, to: into, options, s3 })).id),
    );
    if (value.status !== 'succeeded')
      throw new Error(`sync ${value.status}: ${JSON.stringify(value.error)}`);
    return { ms, execution: value };
  };
  // AWS_CA_BUNDLE (set on some machines) makes rclone refuse its own HTTP transport.
  const { AWS_CA_BUNDLE: _bundle, ...rcloneEnv } = process.env;
  const viaRclone = async (extra: string[] = [], into = rcloneTo): Promise<number | undefined> => {
    if (!rclone) return undefined;
    try {
      const args = ['sync', src, into, ...rcloneArgs, ...extra];
      return (await timed(() => run('rclone', args, { maxBuffer: 1 << 24, env: rcloneEnv }))).ms;
    } catch (error) {
      console.log(`rclone failed, its figure is left out: ${String(error).split('\n')[0]}`);
      return undefined;
    }
  };
  const line = (what: string, ours: number, theirs: number | undefined, bytes?: number) => {
    const rate = bytes
      ? `, ${(bytes / 1024 ** 2 / (ours / 1000)).toFixed(0)} MB/s, ${(FILES / (ours / 1000)).toFixed(0)} files/s`
      : '';
    const anchor =
      theirs === undefined
        ? ''
        : `; rclone ${(theirs / 1000).toFixed(2)} s, ratio ${(ours / theirs).toFixed(2)}`;
    figure(`${label}: ${what}`, `${(ours / 1000).toFixed(2)} s${rate}${anchor}`);
  };

  // First copies into fresh destinations, in alternating order: creating files costs this
  // machine 0.02 ms or 0.7 ms by the minute, so one pair of runs can mislead.
  const firstRuns = label === 'fs' ? FIRST_COPIES : 1;
  const firsts: number[] = [];
  const firstsRclone: number[] = [];
  let bytes = 0;
  for (let i = 0; i < firstRuns; i++) {
    const suffix = i === 0 ? '' : `-${i}`;
    const ours = async () => {
      const first = await sync({}, `${to}${suffix}`);
      bytes = first.execution.bytesTransferred;
      firsts.push(first.ms);
    };
    const theirs = async () => {
      const ms = await viaRclone([], `${rcloneTo}${suffix}`);
      if (ms !== undefined) firstsRclone.push(ms);
    };
    if (i % 2 === 0) await ours().then(theirs);
    else await theirs().then(ours);
  }
  line(
    `first copy (verify transferred), median of ${firstRuns}`,
    median(firsts),
    firstsRclone.length ? median(firstsRclone) : undefined,
    bytes,
  );
  if (firstsRclone.length === firsts.length && firstRuns > 1) {
    figure(
      `${label}: first copy, runs (ours / rclone)`,
      firsts
        .map((ms, i) => `${(ms / 1000).toFixed(2)}/${(firstsRclone[i]! / 1000).toFixed(2)}`)
        .join(' ') +
        `; median of the pairs' ratios ${median(firsts.map((ms, i) => ms / firstsRclone[i]!)).toFixed(2)}`,
    );
  }

  // Re-syncs take a tenth of a second, where this machine's noise is tens of milliseconds:
  // on local disk, several alternating pairs; against s3rver, rclone's take minutes each.
  const pairs = label === 'fs' ? 7 : 1;
  // The first copies left gigabytes of dirty pages; their writeback would land in whichever
  // re-syncs run while it goes on.
  await run('sync');
  const pairsOf = async (before: () => Promise<void>) => {
    const ours: number[] = [];
    const theirs: number[] = [];
    let moved = 0;
    for (let i = 0; i < pairs; i++) {
      await before();
      const lakebox = async () => {
        const { ms, execution } = await sync();
        ours.push(ms);
        moved = execution.filesTransferred;
      };
      const viaTheirs = async () => {
        const ms = await viaRclone();
        if (ms !== undefined) theirs.push(ms);
      };
      if (i % 2 === 0) await lakebox().then(viaTheirs);
      else await viaTheirs().then(lakebox);
    }
    return { ours: median(ours), theirs: theirs.length ? median(theirs) : undefined, moved };
  };
  const again = await pairsOf(async () => undefined);
  line(`no-change re-sync, median of ${pairs}`, again.ours, again.theirs);
  const changed = await pairsOf(changeOnePercent);
  line(
    `1% changed (${changed.moved} files moved), median of ${pairs}`,
    changed.ours,
    changed.theirs,
  );

  const checksum = await sync({ compare: 'checksum', verify: 'none' });
  const checksumRclone = await viaRclone(['--checksum']);
  line('no-change, compare checksums', checksum.ms, checksumRclone);
  const verifyAll = await sync({ verify: 'all' });
  line('no-change, verify all', verifyAll.ms, checksumRclone);
}

/** The CLI copying the tree into a fresh prefix of the lake: its peak resident memory, in KiB. */
async function cliPeakRss(lakeDir: string): Promise<number> {
  const child = spawn(
    process.execPath,
    [CLI, 'sync', 'run', '--from', src, '--to', 'lake://raw/rss'],
    {
      env: { ...process.env, LAKEBOX_LAKE: lakeDir },
      stdio: 'ignore',
    },
  );
  let peak = 0;
  // VmHWM is the process's own high-water mark: the last reading before it exits is the peak.
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // Exited between two readings.
    }
  }, 10);
  await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  return peak;
}

/**
 * What creating one empty file costs here now. On ext4 without a journal (this machine's
 * disk), each new inode is checked against those deleted in the last minutes, one by one:
 * after a large deletion (the last benchmark's clean-up, say) creating a file costs 0.4–0.8
 * ms instead of 0.02, for every tool alike. The probe's files stay until the end: deleting
 * them would slow what follows.
 */
function creationCost(dir: string): string {
  mkdirSync(dir);
  const count = 2000;
  const start = performance.now();
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `f${i}`), '');
  const us = ((performance.now() - start) * 1000) / count;
  const slowed = us >= 100 ? ' (slowed by recent deletions: figures of this run wander)' : '';
  return `${us.toFixed(0)} µs${slowed}`;
}

/** Sizes from 1 KiB up, log-uniform (many small files, a few large), scaled to BYTES in all. */
async function makeTree(dir: string): Promise<number> {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const raw = Array.from({ length: FILES }, () => Math.exp(random() * Math.log(4096)));
  const scale = BYTES / raw.reduce((a, b) => a + b, 0);
  const sizes = raw.map((r) => Math.max(1, Math.round(r * scale)));
  const pool = randomBytes(Math.max(...sizes) + 4096);
  let total = 0;
  const jobs = sizes.map((size, i) => async () => {
    const folder = join(dir, `d${i % 20}`, `e${i % 7}`, `f${i % 50}`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `file-${i}.bin`), pool.subarray(i % 4096, (i % 4096) + size));
    total += size;
  });
  for (let i = 0; i < jobs.length; i += 64)
    await Promise.all(jobs.slice(i, i + 64).map((job) => job()));
  return total;
}

async function changeOnePercent(): Promise<void> {
  for (let i = 0; i < FILES; i += 100) {
    const folder = join(src, `d${i % 20}`, `e${i % 7}`, `f${i % 50}`);
    await writeFile(join(folder, `file-${i}.bin`), randomBytes(2048));
  }
}
