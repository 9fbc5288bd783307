import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  mkdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
  open,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { SyncService } from '../../src/migrate/files/sync-service.js';
import { listAll } from '../../src/storage/object-store.js';
import { tempDir, tempLake } from '../support/temp-lake.js';
import { checksums, latch } from './sync-support.js';

const NAMES = [
  'with space.txt',
  'ünïcødé/日本語.csv',
  'hash#.txt',
  'percent%20.txt',
  'question?.txt',
  'empty.bin',
];

describe('sync from a local directory into the lake', () => {
  let lake: Lake;
  let lakeDir: string;
  let src: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    const made = await tempLake();
    lake = made.lake;
    lakeDir = made.dir;
    const files = await tempDir('lakebox-sync-src-');
    src = files.dir;
    cleanups.push(made.cleanup, files.cleanup);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function write(path: string, content: string | Buffer): Promise<void> {
    await mkdir(join(src, path, '..'), { recursive: true });
    await writeFile(join(src, path), content);
  }

  it('copies a tree with awkward names and zero-byte files, then moves only what changed, and mirrors deletions', async () => {
    for (const [i, name] of NAMES.entries())
      await write(name, name === 'empty.bin' ? '' : `content ${i}\n`);
    for (let i = 0; i < 40; i++) await write(`deep/a/b/c/file-${i}.txt`, `n=${i}`);

    const first = await lake.sync.wait(
      (await lake.sync.startCopy({ from: src, to: 'lake://raw/in' })).id,
    );
    expect(first).toMatchObject({
      status: 'succeeded',
      filesFound: 46,
      filesTransferred: 46,
      filesVerified: 46,
      filesFailed: 0,
    });
    expect(await checksums(join(lakeDir, 'raw', 'in'))).toEqual(await checksums(src));
    const created = await lake.listEvents({ type: 'object.created', limit: 1000 });
    expect(created.map((e) => e.subject).sort()).toEqual(
      Object.keys(await checksums(src))
        .map((p) => `raw/in/${p}`)
        .sort(),
    );
    // What the sync wrote is what the lake's store sees.
    const head = await lake.services.store.head('raw/in/ünïcødé/日本語.csv');
    expect(head?.etag).toBe(
      created.find((e) => e.subject === 'raw/in/ünïcødé/日本語.csv')?.payload['etag'],
    );

    const again = await lake.sync.wait(
      (await lake.sync.startCopy({ from: src, to: 'lake://raw/in' })).id,
    );
    expect(again).toMatchObject({ status: 'succeeded', filesTransferred: 0, filesSkipped: 46 });
    expect(await lake.sync.report(again.id)).toEqual([]);

    await write('deep/a/b/c/file-3.txt', 'changed!');
    await write('new.txt', 'new');
    await rm(join(src, 'question?.txt'));
    const changed = await lake.sync.wait(
      (
        await lake.sync.startCopy({
          from: src,
          to: 'lake://raw/in',
          options: { deleted: 'mirror' },
        })
      ).id,
    );
    expect(changed).toMatchObject({ filesTransferred: 2, filesDeleted: 1, filesSkipped: 44 });
    const report = await lake.sync.report(changed.id);
    expect(report.map((r) => [r.path, r.outcome]).sort()).toEqual([
      ['deep/a/b/c/file-3.txt', 'transferred'],
      ['new.txt', 'transferred'],
      ['question?.txt', 'deleted'],
    ]);
    expect(await checksums(join(lakeDir, 'raw', 'in'))).toEqual(await checksums(src));
    expect((await lake.listEvents({ type: 'object.removed' })).map((e) => e.subject)).toEqual([
      'raw/in/question?.txt',
    ]);
  });

  it('records tasks, starts them, filters with globs, and refuses bad input with one clear error', async () => {
    await write('keep/a.csv', 'a');
    await write('keep/b.tmp', 'b');
    await write('skip/c.csv', 'c');
    const task = await lake.sync.createTask('csvs', {
      from: src,
      to: 'lake://raw/csv',
      include: ['**/*.csv'],
      exclude: ['skip/**'],
      options: { verify: 'all', concurrency: 2 },
      schedule: '0 2 * * *',
    });
    expect(task).toMatchObject({
      name: 'csvs',
      schedule: '0 2 * * *',
      options: { verify: 'all', concurrency: 2, transferMode: 'changed' },
    });
    expect((await lake.sync.listTasks()).map((t) => t.name)).toEqual(['csvs']);
    const execution = await lake.sync.wait((await lake.sync.start('csvs')).id);
    expect(execution).toMatchObject({ task: 'csvs', status: 'succeeded', filesTransferred: 1 });
    expect(existsSync(join(lakeDir, 'raw/csv/keep/a.csv'))).toBe(true);
    expect(existsSync(join(lakeDir, 'raw/csv/skip/c.csv'))).toBe(false);
    expect((await lake.runs.get(execution.id)).kind).toBe('sync');

    const changed = await lake.sync.updateTask('csvs', { exclude: [], schedule: null });
    expect(changed).toMatchObject({
      name: 'csvs',
      include: ['**/*.csv'],
      exclude: [],
      schedule: null,
      options: { verify: 'all', concurrency: 2 },
    });
    expect(await lake.sync.run('csvs')).toMatchObject({ status: 'succeeded', filesTransferred: 1 });
    expect(existsSync(join(lakeDir, 'raw/csv/skip/c.csv'))).toBe(true);

    const refused = async (promise: Promise<unknown>, code: string, text: RegExp) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code });
      expect((error as Error).message).toMatch(text);
    };
    await refused(
      lake.sync.createTask('csvs', { from: src, to: 'lake://raw/x' }),
      'SYNC_TASK_EXISTS',
      /already exists/,
    );
    await refused(lake.sync.start('nope'), 'SYNC_TASK_NOT_FOUND', /Tasks: csvs/);
    await refused(lake.sync.updateTask('csv', {}), 'SYNC_TASK_NOT_FOUND', /Did you mean csvs/);
    await refused(
      lake.sync.updateTask('csvs', { to: 'lake://nozone/x' }),
      'INVALID_ARGUMENT',
      /not a zone/,
    );
    await refused(
      lake.sync.createTask('t', { from: src, to: 'lake://nozone/x' }),
      'INVALID_ARGUMENT',
      /not a zone/,
    );
    await refused(
      lake.sync.createTask('t', { from: src, to: 'ftp://host/x' }),
      'INVALID_ARGUMENT',
      /not a location/,
    );
    await refused(
      lake.sync.createTask('t', {
        from: 's3://bucket/x',
        to: 'lake://raw',
        s3: { accessKeyId: 'AKIA', secretAccessKey: 'hunter2' },
      }),
      'INVALID_ARGUMENT',
      /env:/,
    );
    await refused(
      lake.sync.createTask('t', { from: src, to: 'lake://raw', schedule: 'every day' }),
      'INVALID_ARGUMENT',
      /schedule/,
    );
    await refused(
      lake.sync.createTask('t', { from: src, to: 'lake://raw', options: { concurrency: 0 } }),
      'INVALID_ARGUMENT',
      /concurrency/,
    );
    await refused(
      lake.sync.createTask('t', { from: src, to: join(src, 'inner') }),
      'INVALID_ARGUMENT',
      /overlap/,
    );
    const missing = await lake.sync.wait(
      (await lake.sync.startCopy({ from: join(src, 'missing'), to: 'lake://raw' })).id,
    );
    expect(missing).toMatchObject({ status: 'failed', error: { code: 'FILE_NOT_FOUND' } });
    await lake.sync.deleteTask('csvs');
    expect(await lake.sync.listTasks()).toEqual([]);
  });

  it('skips and reports symlink loops, dangling links, FIFOs and sockets, and fails unreadable files without stopping', async () => {
    await write('good.txt', 'good');
    await mkdir(join(src, 'dir/inner'), { recursive: true });
    await symlink('..', join(src, 'dir/inner/up')); // a loop back to an ancestor
    await symlink('self', join(src, 'self')); // ELOOP
    await symlink('nowhere', join(src, 'dangling'));
    execFileSync('mkfifo', [join(src, 'fifo')]);
    const server = createServer().listen(join(src, 'socket'));
    await new Promise((resolve) => server.once('listening', resolve));
    // Reading /proc/self/mem at offset 0 fails with EIO, as root too: an unreadable file.
    await symlink('/proc/self/mem', join(src, 'eio.bin'));
    await write('linked/target.txt', 'via link');
    await symlink(join(src, 'linked/target.txt'), join(src, 'link-to-file.txt'));
    try {
      const execution = await lake.sync.wait(
        (await lake.sync.startCopy({ from: src, to: 'lake://raw/odd' })).id,
      );
      expect(execution).toMatchObject({
        status: 'succeeded_with_errors',
        filesFailed: 1,
        filesTransferred: 3,
      });
      const report = await lake.sync.report(execution.id, { outcome: 'skipped' });
      expect(Object.fromEntries(report.map((r) => [r.path, r.code]))).toEqual({
        'dir/inner/up': 'SYMLINK_LOOP',
        self: 'SYMLINK_LOOP',
        dangling: 'BROKEN_SYMLINK',
        fifo: 'SPECIAL_FILE',
        socket: 'SPECIAL_FILE',
      });
      const [failed] = await lake.sync.report(execution.id, { outcome: 'failed' });
      expect(failed).toMatchObject({ path: 'eio.bin', code: 'READ_ERROR' });
      expect(failed!.message).toMatch(/EIO|input\/output/i);
      expect(await readFile(join(lakeDir, 'raw/odd/link-to-file.txt'), 'utf8')).toBe('via link');
      expect(existsSync(join(lakeDir, 'raw/odd/eio.bin'))).toBe(false); // never a partial file
    } finally {
      server.close();
    }
  });

  it('never copies or lists files being written, and removes those a dead process left', async () => {
    await write('data/a.csv', 'a');
    await write('data/.lakebox-tmp-1-copying', 'half'); // a sync writing into the source
    const deadPid = Number(execFileSync('sh', ['-c', 'echo $$']).toString());
    const folder = join(lakeDir, 'raw', 'in', 'data');
    await mkdir(folder, { recursive: true });
    const dead = join(folder, `.lakebox-tmp-${deadPid}-left`);
    const live = join(folder, `.lakebox-tmp-${process.pid}-writing`);
    await writeFile(dead, 'left by a killed run');
    await writeFile(live, 'being written now');

    const execution = await lake.sync.wait(
      (await lake.sync.startCopy({ from: src, to: 'lake://raw/in' })).id,
    );
    expect(execution).toMatchObject({ status: 'succeeded', filesTransferred: 1 });
    expect(await lake.sync.report(execution.id, { outcome: 'skipped' })).toEqual([
      expect.objectContaining({ path: 'data/.lakebox-tmp-1-copying', code: 'TEMPORARY_FILE' }),
    ]);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    const keys: string[] = [];
    for await (const object of listAll(lake.services.store, 'raw/in/')) keys.push(object.key);
    expect(keys).toEqual(['raw/in/data/a.csv']);
  });

  it('reports a file that vanishes or becomes a directory mid-run, and goes on with the rest', async () => {
    const sync = new SyncService(lake.services, {
      beforeTransfer: async (path) => {
        if (path === 'vanishing.txt') await rm(join(src, path));
        if (path === 'now-a-dir.txt') {
          await rm(join(src, path));
          await mkdir(join(src, path));
        }
      },
    });
    await write('vanishing.txt', 'soon gone');
    await write('now-a-dir.txt', 'soon a folder');
    await write('stays.txt', 'here');
    const execution = await sync.wait((await sync.startCopy({ from: src, to: 'lake://raw/v' })).id);
    expect(execution).toMatchObject({
      status: 'succeeded_with_errors',
      filesFailed: 2,
      filesTransferred: 1,
    });
    const failed = await sync.report(execution.id, { outcome: 'failed' });
    expect(Object.fromEntries(failed.map((r) => [r.path, r.code]))).toEqual({
      'vanishing.txt': 'SOURCE_VANISHED',
      'now-a-dir.txt': 'NOT_A_FILE',
    });
    expect(await readdirNames(join(lakeDir, 'raw/v'))).toEqual(['stays.txt']);
  });

  it.each([
    ['one small file (hashed on the main thread)', 1, 4096],
    ['40 MiB in 20 files (hashed on worker threads)', 20, 2 * 1024 * 1024],
  ])(
    'detects with verify "all" a destination changed behind its back, and copies it again next time: %s',
    async (_label, count, size) => {
      for (let i = 0; i < count; i++) await write(`data-${i}.bin`, Buffer.alloc(size, i + 1));
      await lake.sync.wait((await lake.sync.startCopy({ from: src, to: 'lake://raw/t' })).id);
      // Same size and mtime, same inode: only the content differs.
      const target = join(lakeDir, 'raw/t/data-0.bin');
      const before = await stat(target);
      const handle = await open(target, 'r+');
      await handle.write(Buffer.from('tampered'), 0, 8, 100);
      await handle.close();
      await utimes(target, before.atime, before.mtime);

      const plain = await lake.sync.wait(
        (await lake.sync.startCopy({ from: src, to: 'lake://raw/t' })).id,
      );
      expect(plain).toMatchObject({ status: 'succeeded', filesTransferred: 0 }); // size and mtime cannot tell
      const verified = await lake.sync.wait(
        (await lake.sync.startCopy({ from: src, to: 'lake://raw/t', options: { verify: 'all' } }))
          .id,
      );
      expect(verified).toMatchObject({
        status: 'succeeded_with_errors',
        filesFailed: 1,
        filesVerified: count - 1,
      });
      expect(await lake.sync.report(verified.id)).toMatchObject([
        { path: 'data-0.bin', outcome: 'verify_failed', code: 'CHECKSUM_MISMATCH' },
      ]);
      const repaired = await lake.sync.wait(
        (await lake.sync.startCopy({ from: src, to: 'lake://raw/t' })).id,
      );
      expect(repaired).toMatchObject({ status: 'succeeded', filesTransferred: 1 });
      expect(await readFile(target)).toEqual(Buffer.alloc(size, 1));

      // Checksum comparison tells a changed file from a touched one, without verify.
      await truncate(join(src, 'data-0.bin'), size);
      const changedSource = await open(join(src, `data-${count - 1}.bin`), 'r+');
      await changedSource.write(Buffer.from('new'), 0, 3, 0);
      await changedSource.close();
      const byChecksum = await lake.sync.wait(
        (
          await lake.sync.startCopy({
            from: src,
            to: 'lake://raw/t',
            options: { compare: 'checksum' },
          })
        ).id,
      );
      expect(byChecksum).toMatchObject({
        status: 'succeeded',
        filesTransferred: 1,
        filesSkipped: count - 1,
      });
    },
  );

  it('leaves existing files alone with overwrite "never", and copies everything again with transfer mode "all"', async () => {
    await write('a.txt', 'source');
    await mkdir(join(lakeDir, 'raw/o'), { recursive: true });
    await writeFile(join(lakeDir, 'raw/o/a.txt'), 'already there');
    const never = await lake.sync.wait(
      (
        await lake.sync.startCopy({
          from: src,
          to: 'lake://raw/o',
          options: { overwrite: 'never' },
        })
      ).id,
    );
    expect(never).toMatchObject({ status: 'succeeded', filesSkipped: 1, filesTransferred: 0 });
    expect(await lake.sync.report(never.id)).toMatchObject([
      { path: 'a.txt', outcome: 'skipped', code: 'EXISTS' },
    ]);
    expect(await readFile(join(lakeDir, 'raw/o/a.txt'), 'utf8')).toBe('already there');
    await lake.sync.wait((await lake.sync.startCopy({ from: src, to: 'lake://raw/o' })).id);
    const all = await lake.sync.wait(
      (
        await lake.sync.startCopy({
          from: src,
          to: 'lake://raw/o',
          options: { transferMode: 'all' },
        })
      ).id,
    );
    expect(all).toMatchObject({ filesTransferred: 1 });
  });

  it('cancels an execution without leaving partial files, and a new start resumes', async () => {
    for (let i = 0; i < 20; i++)
      await write(`f${String(i).padStart(2, '0')}.bin`, Buffer.alloc(64 * 1024, i));
    const started = latch();
    const sync = new SyncService(lake.services, {
      beforeTransfer: async (path) => {
        if (path === 'f05.bin') started.open();
      },
    });
    await sync.createTask('slow', {
      from: src,
      to: 'lake://raw/slow',
      options: { bandwidthLimit: 128 * 1024, concurrency: 2 },
    });
    const run = await sync.start('slow');
    await started.wait();
    await sync.cancel(run.id);
    const cancelled = await sync.wait(run.id);
    expect(cancelled.status).toBe('cancelled');
    const partial = await readdirNames(join(lakeDir, 'raw/slow'));
    expect(partial.length).toBeLessThan(20);
    for (const name of partial)
      expect((await stat(join(lakeDir, 'raw/slow', name))).size).toBe(64 * 1024);
    expect(await readdirNames(join(lakeDir, '.lakebox/sync-tmp')).catch(() => [])).toEqual([]);

    const resumed = await sync.wait(
      (await sync.startCopy({ from: src, to: 'lake://raw/slow', options: { concurrency: 4 } })).id,
    );
    expect(resumed).toMatchObject({ status: 'succeeded', filesTransferred: 20 - partial.length });
    expect(await checksums(join(lakeDir, 'raw/slow'))).toEqual(await checksums(src));
  });

  it('syncs between local directories keeping modification times, and out of the lake again', async () => {
    const out = await tempDir('lakebox-sync-out-');
    cleanups.push(out.cleanup);
    await write('x/y.txt', 'y');
    await utimes(
      join(src, 'x/y.txt'),
      new Date('2020-01-02T03:04:05Z'),
      new Date('2020-01-02T03:04:05Z'),
    );
    const local = await lake.sync.wait(
      (await lake.sync.startCopy({ from: src, to: join(out.dir, 'copy') })).id,
    );
    expect(local).toMatchObject({ status: 'succeeded', filesTransferred: 1 });
    expect((await stat(join(out.dir, 'copy/x/y.txt'))).mtime.toISOString()).toBe(
      '2020-01-02T03:04:05.000Z',
    );
    expect(await readdirNames(join(out.dir, 'copy'))).toEqual(['x']); // no temporary folder left
    await lake.sync.wait((await lake.sync.startCopy({ from: src, to: 'lake://raw/rt' })).id);
    const back = await lake.sync.wait(
      (await lake.sync.startCopy({ from: 'lake://raw/rt', to: join(out.dir, 'back') })).id,
    );
    expect(back).toMatchObject({ status: 'succeeded', filesTransferred: 1 });
    expect(await checksums(join(out.dir, 'back'))).toEqual(await checksums(src));
  });
});

async function readdirNames(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(dir)).sort();
}
