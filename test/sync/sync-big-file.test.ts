import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

const SIZE = 3 * 1024 ** 3;

describe('a 3 GB file', () => {
  let lake: Lake;
  let lakeDir: string;
  let src: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const made = await tempLake();
    ({ lake } = made);
    lakeDir = made.dir;
    const files = await tempDir('lakebox-sync-big-');
    src = files.dir;
    cleanups.push(made.cleanup, files.cleanup);
    // Sparse, with a few real bytes so that a misplaced chunk would show in the checksum.
    const handle = await open(join(src, 'huge.bin'), 'w');
    await handle.truncate(SIZE);
    for (const offset of [0, 1024 ** 3 + 7, SIZE - 5])
      await handle.write(Buffer.from('lake!'), 0, 5, offset);
    await handle.close();
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('streams into the lake with bounded memory and arrives whole', async () => {
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    try {
      const execution = await lake.sync.wait(
        (
          await lake.sync.startCopy({
            from: src,
            to: 'lake://raw/big',
            options: { verify: 'none' },
          })
        ).id,
      );
      expect(execution).toMatchObject({
        status: 'succeeded',
        filesTransferred: 1,
        bytesTransferred: SIZE,
      });
    } finally {
      clearInterval(sampler);
    }
    expect(peak - baseline).toBeLessThan(200 * 1024 ** 2);
    const copy = join(lakeDir, 'raw/big/huge.bin');
    expect((await stat(copy)).size).toBe(SIZE);
    const [a, b] = await Promise.all([sha256(join(src, 'huge.bin')), sha256(copy)]);
    expect(b).toBe(a);
  }, 240_000);
});

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}
