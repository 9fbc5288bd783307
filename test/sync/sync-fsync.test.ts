import { readlinkSync } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';
import { checksums } from './sync-support.js';

// fsync leaves no trace a test can read back (only a power loss would tell), so the calls are
// watched where the sync makes them: FileHandle.datasync (and fdatasyncSync, should a path
// use it). Each records the file it flushed, to show it is still the temporary file.
const flushed = vi.hoisted(() => [] as string[]);
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fdatasyncSync = (fd: number) => {
    flushed.push(readlinkSync(`/proc/self/fd/${fd}`));
    fs.fdatasyncSync(fd);
  };
  return { ...fs, default: { ...fs, fdatasyncSync }, fdatasyncSync };
});

const BIG = 3 * 256 * 1024 + 7; // above the one-chunk fast path: streamed, flushed by its handle

describe('sync with fsync', () => {
  let lake: Lake;
  let lakeDir: string;
  let src: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const made = await tempLake();
    const files = await tempDir('lakebox-sync-fsync-');
    lake = made.lake;
    lakeDir = made.dir;
    src = files.dir;
    cleanups.push(made.cleanup, files.cleanup);
    await mkdir(join(src, 'nested/deeper'), { recursive: true });
    for (let i = 0; i < 6; i++) await writeFile(join(src, `nested/small-${i}.txt`), `small ${i}`);
    await writeFile(join(src, 'nested/deeper/empty.bin'), '');
    await writeFile(join(src, 'big.bin'), Buffer.alloc(BIG, 7));

    const probe = await open(join(src, 'big.bin'));
    const handleType = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const datasync = handleType.datasync;
    vi.spyOn(handleType, 'datasync').mockImplementation(function (this: { fd: number }) {
      flushed.push(readlinkSync(`/proc/self/fd/${this.fd}`));
      return datasync.call(this);
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  beforeEach(() => {
    flushed.length = 0;
  });

  async function sync(to: string, options: { fsync: boolean; bandwidthLimit?: number }) {
    const execution = await lake.sync.wait(
      (await lake.sync.startCopy({ from: src, to, options })).id,
    );
    const report = (await lake.sync.report(execution.id)).map(({ path, outcome, bytes }) => ({
      path,
      outcome,
      bytes,
    }));
    return { execution, report: report.sort((a, b) => a.path.localeCompare(b.path)) };
  }

  it('writes the same files and the same report as without fsync, flushing nothing then', async () => {
    const plain = await sync('lake://raw/plain', { fsync: false });
    expect(flushed).toEqual([]);
    const synced = await sync('lake://raw/synced', { fsync: true });

    const counters = ({ execution: e }: typeof plain) => ({
      status: e.status,
      filesFound: e.filesFound,
      bytesFound: e.bytesFound,
      filesTransferred: e.filesTransferred,
      bytesTransferred: e.bytesTransferred,
      filesVerified: e.filesVerified,
      filesFailed: e.filesFailed,
    });
    expect(counters(synced)).toEqual(counters(plain));
    expect(counters(synced)).toMatchObject({ status: 'succeeded', filesTransferred: 8 });
    expect(synced.report).toEqual(plain.report);
    const expected = await checksums(src);
    expect(await checksums(join(lakeDir, 'raw/plain'))).toEqual(expected);
    expect(await checksums(join(lakeDir, 'raw/synced'))).toEqual(expected);
  });

  it('flushes each file once, small and streamed, while it still has its temporary name', async () => {
    await sync('lake://raw/flushed', { fsync: true });
    expect(flushed).toHaveLength(8);
    for (const path of flushed) {
      expect(path.startsWith(join(lakeDir, 'raw/flushed/'))).toBe(true);
      expect(basename(path)).toMatch(/^\.lakebox-tmp-/);
    }
  });

  it('flushes on the streamed path too, which a bandwidth limit forces for every file', async () => {
    await sync('lake://raw/limited', { fsync: true, bandwidthLimit: 1024 ** 3 });
    expect(flushed).toHaveLength(8);
    expect(await checksums(join(lakeDir, 'raw/limited'))).toEqual(await checksums(src));
  });

  it('flushes into a plain local directory as well', async () => {
    const out = await tempDir('lakebox-sync-fsync-out-');
    cleanups.push(out.cleanup);
    await sync(join(out.dir, 'copy'), { fsync: true });
    expect(flushed).toHaveLength(8);
    for (const path of flushed) {
      expect(path.startsWith(join(out.dir, 'copy/'))).toBe(true);
      expect(basename(path)).toMatch(/^\.lakebox-tmp-/);
    }
    expect(await checksums(join(out.dir, 'copy'))).toEqual(await checksums(src));
  });
});
