import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { listAll } from '../../src/storage/object-store.js';
import { printed, spawnScript } from '../support/spawn-node.js';
import { tempDir, tempLake } from '../support/temp-lake.js';
import { checksums } from './sync-support.js';

const FILES = 10_000;

describe('a sync SIGKILLed in the middle of 10,000 files', () => {
  let lakeDir: string;
  let src: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const made = await tempLake();
    lakeDir = made.dir;
    await made.lake.close();
    const files = await tempDir('lakebox-sync-crash-');
    src = files.dir;
    cleanups.push(made.cleanup, files.cleanup);
    for (let d = 0; d < 100; d++) {
      await mkdir(join(src, `d${d}`, 'sub'), { recursive: true });
      await Promise.all(
        Array.from({ length: FILES / 100 }, (_, i) =>
          writeFile(
            join(src, `d${d}`, 'sub', `f${i}.dat`),
            Buffer.alloc(1024 + ((d * 37 + i) % 2048), (d + i) % 256),
          ),
        ),
      );
    }
  }, 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('ends byte-identical after a restart, with no duplicates and no partial objects', async () => {
    const child = spawnScript('sync/sync-worker.ts', [lakeDir, src, 'lake://raw/crash']);
    let runId = '';
    child.stdout?.on(
      'data',
      (chunk: Buffer) => (runId ||= /midway (\S+)/.exec(chunk.toString())?.[1] ?? ''),
    );
    await printed(child, 'midway');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));

    const lake = await Lake.open(lakeDir);
    try {
      await lake.services.executor.ready();
      const killed = await lake.sync.status(runId);
      expect(killed).toMatchObject({ status: 'failed', error: { code: 'WORKER_LOST' } });
      expect(killed.filesTransferred).toBeLessThan(FILES);

      // Opening the lake found the run lost and queued its next attempt (a sync has 3).
      const resumed = await lake.sync.wait(runId);
      expect(resumed.status).toBe('succeeded');
      expect(resumed.id).not.toBe(runId);
      expect(resumed.filesTransferred).toBeLessThan(FILES); // what had moved did not move again
      expect(resumed.filesTransferred + resumed.filesSkipped).toBe(FILES);

      expect(await checksums(join(lakeDir, 'raw', 'crash'))).toEqual(await checksums(src));
      const keys: string[] = [];
      for await (const object of listAll(lake.services.store, 'raw/crash/')) keys.push(object.key);
      expect(keys).toHaveLength(FILES);
      expect(new Set(keys).size).toBe(FILES);
      // The killed run's temporary files went when the next run listed the destination.
      const left = await readdir(join(lakeDir, 'raw', 'crash'), { recursive: true });
      expect(left.filter((name) => name.includes('.lakebox-tmp-'))).toEqual([]);
      // Every object was announced at least once, the dead run's unrecorded ones included.
      const announced = new Set<string>();
      for (let after = 0; ;) {
        const page = await lake.listEvents({ type: 'object.created', after, limit: 5000 });
        if (page.length === 0) break;
        for (const event of page) announced.add(event.subject!);
        after = page.at(-1)!.id;
      }
      expect([...announced].filter((k) => k.startsWith('raw/crash/')).sort()).toEqual(keys.sort());
    } finally {
      await lake.close();
    }
  }, 180_000);
});
