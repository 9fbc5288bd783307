import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

/** Deploying: bundles vetted in isolation, versions by content and settings, env by reference. */
describe('function deploy', () => {
  let lake: Lake;
  let lakeDir: string;
  let dir: string;
  const cleanups: Array<() => Promise<void>> = [];
  const file = async (name: string, source: string) => {
    const path = join(dir, name);
    await writeFile(path, source);
    return path;
  };

  beforeAll(async () => {
    const made = await tempLake();
    ({ lake, dir: lakeDir } = made);
    cleanups.push(made.cleanup);
    const files = await tempDir('lakebox-deploy-');
    dir = files.dir;
    cleanups.push(files.cleanup);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('stores one content-addressed bundle per code; the same code and settings are the same version', async () => {
    const path = await file('hello.ts', `export const handler = () => 'hello';`);
    const first = await lake.functions.deploy(path, { name: 'hello' });
    expect(first).toMatchObject({
      function: 'hello',
      version: 1,
      timeoutMs: 30_000,
      memoryMb: 256,
      concurrency: 4,
      artifactKey: expect.stringMatching(
        /^artifacts\/functions\/hello\/handler-[0-9a-f]{16}\.mjs$/,
      ),
    });
    expect(await lake.functions.deploy(path, { name: 'hello' })).toMatchObject({ version: 1 });
    const slower = await lake.functions.deploy(path, { name: 'hello', timeoutMs: 5000 });
    expect(slower).toMatchObject({ version: 2, artifactKey: first.artifactKey });
    await writeFile(path, `export const handler = () => 'hello again';`);
    const changed = await lake.functions.deploy(path, { name: 'hello', timeoutMs: 5000 });
    expect(changed.version).toBe(3);
    expect(changed.artifactKey).not.toBe(first.artifactKey);
    expect((await lake.functions.versions('hello')).map((v) => v.version)).toEqual([3, 2, 1]);
    expect((await lake.functions.get('hello')).latest.version).toBe(3);
    expect((await lake.functions.invoke('hello', null)).result).toBe('hello again');
    expect((await lake.functions.invoke('hello', null, { version: 1 })).result).toBe('hello');
    const bundles = await readdir(join(lakeDir, 'artifacts', 'functions', 'hello'));
    expect(bundles.filter((name) => name.endsWith('.mjs'))).toHaveLength(2);
    const events = await lake.listEvents({ type: 'function.*' });
    expect(events.map((e) => e.type)).toEqual([
      'function.created',
      'function.updated',
      'function.updated',
    ]);
  });

  it("refuses a module that does not bundle, with esbuild's message and its file:line", async () => {
    const path = await file('broken.ts', `export const handler = () => {\n  return 1 +;\n};\n`);
    await expect(lake.functions.deploy(path, { name: 'broken' })).rejects.toMatchObject({
      code: 'FUNCTION_BUILD_FAILED',
      message: expect.stringMatching(/broken\.ts:2:\d+/),
    });
    await expect(lake.functions.get('broken')).rejects.toMatchObject({
      code: 'FUNCTION_NOT_FOUND',
    });
  });

  it('refuses a module without a handler, checked in a worker thread and not in this process', async () => {
    const path = await file(
      'nohandler.ts',
      `(globalThis as any).lakeboxLoadedHere = true;\nexport const other = 1;`,
    );
    await expect(lake.functions.deploy(path, { name: 'nohandler' })).rejects.toMatchObject({
      code: 'FUNCTION_INVALID',
      message: expect.stringContaining('exports no handler'),
    });
    expect((globalThis as Record<string, unknown>)['lakeboxLoadedHere']).toBeUndefined();
    const throwing = await file(
      'throwing.ts',
      `throw new Error('no config');\nexport const handler = () => 1;`,
    );
    await expect(lake.functions.deploy(throwing, { name: 'throwing' })).rejects.toMatchObject({
      code: 'FUNCTION_INVALID',
      message: expect.stringContaining('no config'),
    });
  });

  it('names close functions when one does not exist, and refuses bad settings', async () => {
    await expect(lake.functions.get('helo')).rejects.toMatchObject({
      code: 'FUNCTION_NOT_FOUND',
      message: expect.stringContaining('Did you mean hello?'),
    });
    const path = await file('ok.ts', `export const handler = () => 1;`);
    await expect(lake.functions.deploy(path, { name: 'ok', memoryMb: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(lake.functions.deploy(path, { name: 'no/slash' })).rejects.toMatchObject({
      code: 'INVALID_IDENTIFIER',
    });
    await expect(
      lake.functions.deploy(join(dir, 'missing.ts'), { name: 'ok' }),
    ).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });

  it('keeps ${env:NAME} as a reference, resolves it at invocation and never records its value', async () => {
    const path = await file(
      'secret.ts',
      `export function handler(_event: unknown, context: any) {
         context.logger.info('token is ' + context.env.TOKEN);
         return { token: context.env.TOKEN, fromProcess: process.env.TOKEN, region: context.env.REGION };
       }`,
    );
    const version = await lake.functions.deploy(path, {
      name: 'secret',
      env: { TOKEN: '${env:LAKEBOX_TEST_FN_TOKEN}', REGION: 'eu-west-1' },
    });
    expect(version.env).toEqual({ REGION: 'eu-west-1', TOKEN: '${env:LAKEBOX_TEST_FN_TOKEN}' });

    const missing = await lake.functions.invoke('secret', {}).catch((e: unknown) => e);
    expect(missing).toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('LAKEBOX_TEST_FN_TOKEN'),
    });

    process.env['LAKEBOX_TEST_FN_TOKEN'] = 's3cr3t-value-42';
    try {
      const { run, result } = await lake.functions.invoke('secret', {});
      // The handler sees the value; what is recorded says *** instead.
      expect(result).toEqual({ token: '***', fromProcess: '***', region: 'eu-west-1' });
      const logs = await lake.functions.logs('secret', { runId: run.id });
      expect(logs.map((l) => l.message)).toContain('token is ***');
      const recorded = JSON.stringify([
        await lake.runs.list({ kind: 'function', name: 'secret' }),
        await lake.functions.versions('secret'),
        logs,
      ]);
      expect(recorded).not.toContain('s3cr3t-value-42');
    } finally {
      delete process.env['LAKEBOX_TEST_FN_TOKEN'];
    }
  });
});
