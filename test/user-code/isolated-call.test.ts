import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callIsolated, type IsolatedCall } from '../../src/user-code/isolated-call.js';
import type { UserModuleKind } from '../../src/user-code/user-module-kind.js';

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
  const call = async (name: string, source: string, options: Partial<IsolatedCall> = {}) =>
    callIsolated({
      modulePath: await module(name, source),
      kind: KIND,
      args: [{ n: 2 }],
      timeoutMs: 20_000,
      memoryMb: 64,
      ...options,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lakebox-isolated-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('returns the entry result as JSON, with its context built in the worker and closed after', async () => {
    const context = await module(
      'context',
      `import { writeFile } from 'node:fs/promises';
       export async function createContext(data, { log }) {
         return { prefix: data.prefix, log, close: () => writeFile(data.closed, 'yes') };
       }`,
    );
    const logs: string[] = [];
    const closed = join(dir, 'closed');
    const value = await call(
      'ok',
      `export async function handler(event, context) {
         context.log('info', 'from the logger');
         console.log('from stdout');
         return { out: context.prefix + event.n * 21, when: new Date(0) };
       }`,
      {
        context: { module: pathToFileURL(context).href, data: { prefix: 'answer ', closed } },
        onLog: (level, message) => logs.push(`${level}: ${message}`),
      },
    );
    expect(value).toEqual({ out: 'answer 42', when: '1970-01-01T00:00:00.000Z' });
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

  it('stops an infinite loop at its deadline, and the host goes on', async () => {
    await expect(
      call('loop', `export function handler() { for (;;) {} }`, { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'USER_CODE_TIMEOUT', details: { timeoutMs: 300 } });
    expect(await call('after-loop', `export const handler = (e) => e.n;`)).toBe(2);
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
});
