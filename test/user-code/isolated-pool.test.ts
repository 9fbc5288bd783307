import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IsolatedPool,
  type IsolatedCall,
  type IsolatedPoolOptions,
} from '../../src/user-code/isolated-pool.js';
import type { UserModuleKind } from '../../src/user-code/user-module-kind.js';
import { LakeError } from '../../src/errors/lake-error.js';

const KIND: UserModuleKind = {
  entry: 'handler',
  folder: 'test',
  describe: 'The test handler',
  signature: 'export async function handler(event, context) { ... }',
  buildFailed: 'TRANSFORM_BUILD_FAILED',
  invalid: 'TRANSFORM_INVALID',
};

/** User code that misbehaves in every way a host must survive, one module per way. */
describe('user code called in an isolated worker', () => {
  let dir: string;
  const module = async (name: string, source: string) => {
    const path = join(dir, `${name}.mjs`);
    await writeFile(path, source);
    return path;
  };
  const pools: IsolatedPool[] = [];
  const pool = async (name: string, source: string, options: Partial<IsolatedPoolOptions> = {}) => {
    const made = new IsolatedPool({
      modulePath: await module(name, source),
      kind: KIND,
      memoryMb: 64,
      ...options,
    });
    pools.push(made);
    return made;
  };
  const call = async (
    name: string,
    source: string,
    options: Partial<IsolatedPoolOptions & IsolatedCall> = {},
  ) =>
    (await pool(name, source, options)).call({ args: [{ n: 2 }], timeoutMs: 20_000, ...options });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakebox-isolated-'));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the entry result as JSON, with its context built in the worker and closed after', async () => {
    const context = await module(
      'context',
      `import { writeFile } from 'node:fs/promises';
       export async function createContext(data, { log }) {
         return {
           forCall: (call) => ({ prefix: data.prefix, log, deadline: call.deadline }),
           close: () => writeFile(data.closed, 'yes'),
         };
       }`,
    );
    const logs: string[] = [];
    const closed = join(dir, 'closed');
    const ok = await pool(
      'ok',
      `export async function handler(event, context) {
         context.log('info', 'from the logger');
         console.log('from stdout');
         return { out: context.prefix + event.n * 21, when: new Date(0), left: context.deadline > Date.now() };
       }`,
      { context: { module: pathToFileURL(context).href, data: { prefix: 'answer ', closed } } },
    );
    const value = await ok.call({
      args: [{ n: 2 }],
      timeoutMs: 20_000,
      onLog: (level, message) => logs.push(`${level}: ${message}`),
    });
    expect(value).toEqual({ out: 'answer 42', when: '1970-01-01T00:00:00.000Z', left: true });
    await ok.close();
    expect(await readFile(closed, 'utf8')).toBe('yes');
    expect(logs).toContain('info: from the logger');
    await expect.poll(() => logs).toContain('info: from stdout');
  });

  it('reports a throw with its message and the stack of the user code', async () => {
    const error = await call(
      'throws',
      `export function handler() { throw new TypeError('bad input n'); }`,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'USER_CODE_FAILED',
      message: 'The test handler failed: bad input n',
      details: { reason: 'threw', stack: expect.stringContaining('throws.mjs') },
    });
  });

  it('stops an infinite loop at its deadline; the next call gets a fresh worker', async () => {
    const loops = await pool(
      'loop',
      `let calls = 0;
       export function handler(event) { calls++; if (event.loop) for (;;) {} return calls; }`,
    );
    const run = (loop: boolean, timeoutMs = 20_000) => loops.call({ args: [{ loop }], timeoutMs });
    expect([await run(false), await run(false)]).toEqual([1, 2]);
    await expect(run(true, 300)).rejects.toMatchObject({
      code: 'USER_CODE_TIMEOUT',
      details: { timeoutMs: 300 },
    });
    expect(await run(false)).toBe(1);
  });

  it('runs at most its size of calls at once, the rest in turn, on warm workers', async () => {
    const two = await pool(
      'threads',
      `import { threadId } from 'node:worker_threads';
       export const handler = async () => { await new Promise((r) => setTimeout(r, 20)); return threadId; };`,
      { size: 2 },
    );
    const threads = await Promise.all(
      Array.from({ length: 8 }, () => two.call({ args: [], timeoutMs: 20_000 })),
    );
    expect(threads).toHaveLength(8);
    expect(new Set(threads).size).toBe(2);
  });

  it('survives process.exit in user code', async () => {
    await expect(
      call('exits', `export function handler() { process.exit(3); }`),
    ).rejects.toMatchObject({
      code: 'USER_CODE_FAILED',
      details: { reason: 'exited', exitCode: 3 },
    });
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('fails the call on an unhandled rejection outside the entry promise', async () => {
    await expect(
      call(
        'rejects',
        `export function handler() {
           setTimeout(() => Promise.reject(new Error('late failure')), 1);
           return new Promise(() => {});
         }`,
      ),
    ).rejects.toMatchObject({
      code: 'USER_CODE_FAILED',
      message: expect.stringContaining('late failure'),
      details: { reason: 'uncaught' },
    });
  });

  it('ends a worker that runs out of its memory limit, not the host', async () => {
    await expect(
      call(
        'hog',
        `export function handler() { const keep = []; for (;;) keep.push(new Array(100000).fill(keep.length)); }`,
        { memoryMb: 32 },
      ),
    ).rejects.toMatchObject({ code: 'USER_CODE_OUT_OF_MEMORY', details: { memoryMb: 32 } });
  });

  it('names the missing entry, and sees only the environment it is given', async () => {
    await expect(call('none', `export const other = 1;`)).rejects.toMatchObject({
      code: 'TRANSFORM_INVALID',
      message: expect.stringContaining('exports no handler'),
    });
    process.env['LAKEBOX_TEST_HOST_SECRET'] = 'host';
    const source = `export const handler = () => [process.env.LAKEBOX_TEST_HOST_SECRET ?? null, process.env.GIVEN ?? null];`;
    expect(await call('env', source, { env: { GIVEN: 'mine' } })).toEqual([null, 'mine']);
    delete process.env['LAKEBOX_TEST_HOST_SECRET'];
  });

  it('checks a module export without calling it or building a context', async () => {
    const marker = join(dir, 'called');
    const checked = await pool(
      'checked',
      `import { writeFileSync } from 'node:fs';
       export function handler() { writeFileSync(${JSON.stringify(marker)}, 'called'); }`,
      { context: { module: 'file:///nowhere/context.mjs', data: {} } },
    );
    await checked.check(20_000);
    await expect(readFile(marker, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(
      (await pool('unchecked', `export const x = 1;`)).check(20_000),
    ).rejects.toMatchObject({
      code: 'TRANSFORM_INVALID',
    });
    await expect(
      (await pool('loadfails', `throw new Error('broken at load');`)).check(20_000),
    ).rejects.toMatchObject({
      code: 'USER_CODE_FAILED',
      message: expect.stringContaining('broken at load'),
    });
  });

  it("answers the context's requests in the host, errors as code and message", async () => {
    const context = await module(
      'asking',
      `export async function createContext(_data, { request }) {
         return { forCall: () => ({ ask: (method, payload) => request(method, payload) }) };
       }`,
    );
    const asked: unknown[] = [];
    const asking = await pool(
      'asks',
      `export async function handler(event, context) {
         const answer = await context.ask('double', event.n);
         const refused = await context.ask('refuse', null).catch((error) => error);
         return { answer, refused };
       }`,
      {
        context: { module: pathToFileURL(context).href, data: {} },
        onRequest: async (method, payload) => {
          asked.push([method, payload]);
          if (method === 'refuse') throw new LakeError('RUN_NOT_FOUND', 'no such run');
          return (payload as number) * 2;
        },
      },
    );
    expect(await asking.call({ args: [{ n: 21 }], timeoutMs: 20_000 })).toEqual({
      answer: 42,
      refused: { code: 'RUN_NOT_FOUND', message: 'no such run', details: {}, transient: false },
    });
    expect(asked).toEqual([
      ['double', 21],
      ['refuse', null],
    ]);
  });
});
