import { pbkdf2 } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ListedItem } from '../../src/migrate/files/sync-tree.js';
import { walkLocalDir } from '../../src/migrate/files/walk-local-dir.js';
import { tempDir } from '../support/temp-lake.js';

describe('walkLocalDir', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-walk-'));
  });
  afterEach(() => cleanup());

  it('lists every file once, with its size, while libuv’s threads are all busy', async () => {
    // 6,000 files in 3 folders: far more lookups than the walk leaves unanswered before it
    // waits, issued while every thread of the pool is held by other work.
    const sizes = new Map<string, number>();
    for (let f = 0; f < 3; f++) {
      await mkdir(join(dir, `f${f}`));
      const writes = [];
      for (let i = 0; i < 2000; i++) {
        const path = `f${f}/file-${i}.txt`;
        sizes.set(path, i % 17);
        writes.push(writeFile(join(dir, path), 'x'.repeat(i % 17)));
      }
      await Promise.all(writes);
    }
    const busy = Array.from(
      { length: 4 },
      () => new Promise((resolve) => pbkdf2('secret', 'salt', 300_000, 32, 'sha256', resolve)),
    );

    const items: ListedItem[] = [];
    for await (const batch of walkLocalDir(dir)) items.push(...batch);
    await Promise.all(busy);

    const files = items.flatMap((item) => (item.kind === 'file' ? [item.entry] : []));
    expect(items).toHaveLength(files.length);
    expect(files).toHaveLength(6000);
    expect(new Map(files.map((entry) => [entry.path, entry.size]))).toEqual(sizes);
  });
});
