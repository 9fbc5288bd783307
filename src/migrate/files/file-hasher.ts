/**
 * Checksums (XXH3-128, see content-checksum.ts) of local files on worker threads, so that
 * hashing (the bulk of the CPU a verified sync spends) runs beside the copying on the other
 * cores. Node hashes on the thread that calls it, and no library hashes files off the main
 * thread, so this small pool is written by hand. The workers' code is a string (built from
 * `hashFile`'s own source), so it runs unchanged from the sources, the tests and the CLI
 * bundle, with no file of its own to find.
 *
 * Requests made in the same turn of the event loop go to the workers in chunks (a message
 * per few dozen files, not one per file), and a worker takes the next chunk when it is done
 * with its last: the main thread pays little per file, the workers stay busy.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createXXHash128, type IHasher } from 'hash-wasm';

/** A file's hex checksum, or why it could not be read (an errno code such as ENOENT). */
export type FileHash = { checksum: string } | { error: string; message: string };

/**
 * Hashes one file, on whichever thread calls it. Its dependencies come as arguments because
 * its source text is also the workers' code (see WORKER_SOURCE): it must not reach for
 * anything around it.
 */
function hashFile(
  path: string,
  fs: typeof import('node:fs'),
  hasher: IHasher,
  buffer: Buffer,
): FileHash {
  let fd: number | undefined;
  try {
    // Non-blocking, so that a file replaced by a FIFO can never hang the thread.
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    if (!fs.fstatSync(fd).isFile())
      return { error: 'NOT_A_FILE', message: `${path} is not a regular file` };
    hasher.init();
    for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0;)
      hasher.update(buffer.subarray(0, n));
    return { checksum: hasher.digest('hex') };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { error: code ?? 'READ_ERROR', message };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

// hash-wasm by its resolved path: an evaluated worker has no module of its own to resolve from.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const ready = require(${JSON.stringify(createRequire(import.meta.url).resolve('hash-wasm'))}).createXXHash128();
const buffer = Buffer.allocUnsafe(1 << 20);
const hashFile = ${hashFile.toString()};
parentPort.on('message', async (paths) => {
  const hasher = await ready;
  parentPort.postMessage(paths.map((path) => hashFile(path, fs, hasher, buffer)));
});
`;

const mainThreadBuffer = Buffer.allocUnsafe(256 * 1024);
let mainThreadHasher: Promise<IHasher> | undefined;

/**
 * Hashes a file on the calling thread with synchronous reads: for the few small files for
 * which starting workers would cost more than the hashing.
 */
export async function hashFileHere(path: string): Promise<FileHash> {
  const hasher = await (mainThreadHasher ??= createXXHash128());
  return hashFile(path, fs, hasher, mainThreadBuffer);
}

const FILES_PER_CHUNK = 32;

interface Request {
  path: string;
  resolve: (hash: FileHash) => void;
  reject: (error: unknown) => void;
}

/**
 * @example
 * const hasher = new FileHasher();
 * try {
 *   const [a, b] = await Promise.all([hasher.hash('/data/a.csv'), hasher.hash('/lake/raw/a.csv')]);
 * } finally {
 *   await hasher.close();
 * }
 */
export class FileHasher {
  readonly #size: number;
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Request[]>();
  #queue: Request[] = [];
  #scheduled = false;
  #closed = false;

  /** `threads` defaults to the machine's cores (at most 4); workers start on first use. */
  constructor(threads = Math.min(4, availableParallelism())) {
    this.#size = Math.max(1, threads);
  }

  /** The file's hash; rejects only when the hasher is closed first or a worker dies. */
  hash(path: string): Promise<FileHash> {
    if (this.#closed) return Promise.reject(new Error('The file hasher is closed.'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ path, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#dispatch();
        });
      }
    });
  }

  /** Stops the workers; hashes still pending reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const error = new Error('The file hasher was closed before it finished.');
    for (const request of this.#queue.splice(0)) request.reject(error);
    const workers = [...this.#idle.splice(0), ...this.#busy.keys()];
    for (const requests of this.#busy.values()) for (const r of requests) r.reject(error);
    this.#busy.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const worker = this.#idle.pop() ?? this.#spawn();
      if (!worker) return;
      const chunk = this.#queue.splice(0, FILES_PER_CHUNK);
      this.#busy.set(worker, chunk);
      worker.postMessage(chunk.map((r) => r.path));
    }
  }

  #spawn(): Worker | undefined {
    if (this.#busy.size + this.#idle.length >= this.#size) return undefined;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (hashes: FileHash[]) => {
      const chunk = this.#busy.get(worker) ?? [];
      this.#busy.delete(worker);
      this.#idle.push(worker);
      for (const [i, request] of chunk.entries()) request.resolve(hashes[i]!);
      this.#dispatch();
    });
    worker.on('error', (error) => {
      for (const request of this.#busy.get(worker) ?? []) request.reject(error);
      this.#busy.delete(worker);
    });
    return worker;
  }
}
