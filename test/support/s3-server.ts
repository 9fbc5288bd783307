/**
 * A real, independent S3 server for tests: s3rver, in its own process, on a free loopback
 * port, storing into a temporary directory, with one bucket created.
 *
 * Why a child process: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
 * Node 20's OpenSSL 3 offers only with `--openssl-legacy-provider`; a separate process also
 * keeps the server's memory out of the tests' RSS measurements.
 *
 * One correction to s3rver 3.7.1: its directory walk yields files in readdir order (not S3's
 * key order, so pages skip keys) and prunes nested folders under a delimiter (so `a/` is
 * missing when only `a/b/c` exists). The walk below visits the same files in key order and
 * prunes nothing; s3rver's own code still does all the S3 listing logic.
 */
import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface S3TestServer {
  endpoint: string;
  region: string;
  bucket: string;
  /** s3rver's built-in account. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

/** Starts s3rver with `bucket` created; `stop()` ends it and removes its files. */
export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? 'lakebox-test';
  const directory = await mkdtemp(join(tmpdir(), 'lakebox-s3rver-'));
  const child = fork(fileURLToPath(import.meta.url), [directory, bucket], {
    execArgv: ['--openssl-legacy-provider', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('s3rver did not start within 30 s')), 30_000);
      child.once('message', (message) => {
        clearTimeout(timer);
        resolve((message as { port: number }).port);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited (code ${code}) before listening`));
      });
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.disconnect();
          const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(killer);
        }
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

interface S3rverServer {
  run(): Promise<{ port: number }>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverServer;

/** The child's side: serve until the parent disconnects. */
async function serve(directory: string, bucket: string): Promise<void> {
  const requireCjs = createRequire(import.meta.url);
  // Replaced before s3rver's store module loads, which is when it captures `walk`.
  (requireCjs('s3rver/lib/utils.js') as { walk: unknown }).walk = walkInKeyOrder;
  const S3rver = requireCjs('s3rver') as S3rverConstructor;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  process.once('disconnect', () => process.exit(0));
  process.send?.({ port });
}

/** s3rver's `walk`, in S3 key order: a folder `a` sorts as `a/`, an object file as its key name. */
function* walkInKeyOrder(dir: string): Generator<string> {
  const entries = readdirSync(dir, { withFileTypes: true }).map((entry) => ({
    entry,
    sortKey: Buffer.from(
      entry.isDirectory() ? `${entry.name}/` : entry.name.replace(/\._S3rver_.*$/, ''),
      'utf8',
    ),
  }));
  entries.sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
  for (const { entry } of entries) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) yield* walkInKeyOrder(path);
    else yield path;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [directory, bucket] = process.argv.slice(2);
  if (!directory || !bucket) throw new Error('usage: s3-server.ts <directory> <bucket>');
  await serve(directory, bucket);
}
