import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { xxhash128 } from 'hash-wasm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHasher, hashFileHere } from '../../src/migrate/files/file-hasher.js';
import { tempDir } from '../support/temp-lake.js';

describe('FileHasher', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let hasher: FileHasher;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-hasher-'));
    hasher = new FileHasher(2);
  });
  afterEach(async () => {
    await hasher.close();
    await cleanup();
  });

  it('takes XXH3-128, as xxhsum -H2 gives it', async () => {
    const path = join(dir, 'word.txt');
    await writeFile(path, 'lakebox');
    const expected = { checksum: '2a6ed98295b132f04597cfac88c47532' };
    expect(await hasher.hash(path)).toEqual(expected);
    expect(await hashFileHere(path)).toEqual(expected);
  });

  it('hashes many files on its threads exactly as in one piece, in the order asked', async () => {
    const contents = Array.from({ length: 100 }, (_, i) => Buffer.alloc(i * 3001, i));
    contents.push(Buffer.alloc(3 * 1024 * 1024 + 5, 7)); // several of the worker's reads
    const paths = await Promise.all(
      contents.map(async (content, i) => {
        const path = join(dir, `f-${i}.bin`);
        await writeFile(path, content);
        return path;
      }),
    );
    const hashes = await Promise.all(paths.map((path) => hasher.hash(path)));
    const expected = await Promise.all(
      contents.map(async (c) => ({ checksum: await xxhash128(c) })),
    );
    expect(hashes).toEqual(expected);
  });

  it('says why a file cannot be hashed, and never waits on a FIFO', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const [missing, pipe, folder] = await Promise.all([
      hasher.hash(join(dir, 'absent.bin')),
      hasher.hash(fifo),
      hasher.hash(dir),
    ]);
    expect(missing).toMatchObject({ error: 'ENOENT' });
    expect(pipe).toMatchObject({ error: 'NOT_A_FILE' });
    expect(folder).toMatchObject({ error: 'NOT_A_FILE' });
  });

  it('rejects what is still pending when closed, and anything asked after', async () => {
    const path = join(dir, 'big.bin');
    await writeFile(path, Buffer.alloc(8 * 1024 * 1024));
    const pending = Array.from({ length: 200 }, () => hasher.hash(path));
    await hasher.close();
    const settled = await Promise.allSettled(pending);
    expect(settled.some((s) => s.status === 'rejected')).toBe(true);
    await expect(hasher.hash(path)).rejects.toThrow(/closed/);
  });
});
