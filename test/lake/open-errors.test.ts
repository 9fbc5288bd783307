import { readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { freePort } from '../support/postgres-server.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';

describe('opening a lake that cannot be opened', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('lakebox-open-')));
  afterEach(() => cleanup());

  it('refuses to init a directory that already holds a lake', async () => {
    const lake = await Lake.init(dir);
    await lake.close();
    await expect(Lake.init(dir)).rejects.toMatchObject({
      code: 'LAKE_EXISTS',
      message: expect.stringContaining('already holds a lake'),
    });
    const cli = await runCli(['init', dir]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/already holds a lake.*\[LAKE_EXISTS\]\n$/);
  });

  it('names an unreachable metadata database in one line, with the password masked', async () => {
    const port = await freePort(); // nothing listens there
    const url = `postgres://lake:hunter2@127.0.0.1:${port}/lake`;
    await writeFile(
      join(dir, 'lakebox.json'),
      JSON.stringify({
        version: 1,
        metadata: { type: 'postgres', url: '${env:LAKEBOX_TEST_DB_URL}' },
      }),
    );
    const error = await Lake.open(dir, { env: { LAKEBOX_TEST_DB_URL: url } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'METADATA_UNREACHABLE', transient: true });
    const message = (error as Error).message;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toContain('check that it is running');
    expect(message).not.toContain('hunter2');

    const cli = await runCli(['--lake', dir, 'tables'], { env: { LAKEBOX_TEST_DB_URL: url } });
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toContain('[METADATA_UNREACHABLE]');
    expect(cli.stderr).not.toContain('hunter2');
  });

  it('refuses to open a lake whose SQLite metadata database is missing, creating nothing', async () => {
    const lake = await Lake.init(dir);
    await lake.close();
    const configPath = join(dir, 'lakebox.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(
      configPath,
      JSON.stringify({ ...config, metadata: { type: 'sqlite', path: '.lakebox/meta.dbb' } }),
    );
    const before = await readdir(join(dir, '.lakebox'));
    const typo = join(dir, '.lakebox', 'meta.dbb');

    const error = await Lake.open(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'METADATA_NOT_FOUND' });
    expect((error as Error).message).toContain(typo);
    expect(existsSync(typo)).toBe(false);

    const cli = await runCli(['--lake', dir, 'tables']);
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toContain(typo);
    expect(cli.stderr).toContain('[METADATA_NOT_FOUND]');
    expect(await readdir(join(dir, '.lakebox'))).toEqual(before);

    // The override names a database file the same way.
    const elsewhere = join(dir, 'elsewhere', 'meta.db');
    const overridden = await runCli(['--lake', dir, 'tables'], {
      env: { LAKEBOX_DATABASE_URL: elsewhere },
    });
    expect(overridden.code).toBe(2);
    expect(overridden.stderr).toContain(elsewhere);
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
  });
});
