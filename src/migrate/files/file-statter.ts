/**
 * Looks files up by name on a worker thread, so that a sync can ask a local destination about
 * the source's files while the main thread is still walking the source: the two halves of a
 * listing then use two cores, as rclone's do. Written by hand for the reason FileHasher is;
 * the worker's code is `statFile`'s own source text, so both threads run the same function.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/** Size, mtime (ms) and version (inode-size-mtimeNs, as the listing gives), or 0 for no file. */
export type StatResult = [number, number, string] | 0;

/**
 * A regular file's facts, through symlinks as the listing goes; 0 when there is none (or
 * ENOTDIR, ELOOP: writing it there will say why). Its dependencies are arguments because its
 * source text is also the worker's code.
 */
function statFile(path: string, fsModule: typeof import('node:fs')): StatResult {
  let stats: fs.BigIntStats | undefined;
  try {
    stats = fsModule.statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return 0;
  }
  if (!stats?.isFile()) return 0;
  const version = `${stats.ino.toString(36)}-${stats.size.toString(36)}-${stats.mtimeNs.toString(36)}`;
  return [Number(stats.size), Number(stats.mtimeMs), version];
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const statFile = ${statFile.toString()};
parentPort.on('message', ({ id, paths }) =>
  parentPort.postMessage({ id, results: paths.map((path) => statFile(path, fs)) }),
);
`;

/** Looks a file up on the calling thread. */
export function statFileHere(path: string): StatResult {
  return statFile(path, fs);
}

/**
 * @example
 * const statter = new FileStatter();
 * const results = await statter.statAll(['/lake/raw/a.csv', '/lake/raw/b.csv']);
 * await statter.close();
 */
export class FileStatter {
  #worker?: Worker;
  #next = 0;
  readonly #pending = new Map<
    number,
    { resolve: (results: StatResult[]) => void; reject: (error: unknown) => void }
  >();

  /** Facts of each path, in order; rejects only when the worker dies or is closed first. */
  statAll(paths: readonly string[]): Promise<StatResult[]> {
    const worker = this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, paths });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new Error('The file statter was closed before it finished.'));
    await worker?.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', ({ id, results }: { id: number; results: StatResult[] }) => {
      this.#pending.get(id)?.resolve(results);
      this.#pending.delete(id);
    });
    worker.on('error', (error) => this.#failAll(error));
    this.#worker = worker;
    return worker;
  }

  #failAll(error: unknown): void {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}
