import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, freePort } from '../support/postgres-server.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';

/** `url` with its password replaced by `${env:NAME}`, as lakebox.json must hold it. */
function withPasswordReference(url: string, name: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.username}:\${env:${name}}@${parsed.host}${parsed.pathname}`;
}

// Runs the built CLI (`npm run build` first) against the tests' real PostgreSQL.
describe('lakebox init --database-url', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('lakebox-init-')));
  afterEach(() => cleanup());

  it('refuses a password written into the URL, saying how to give it, and writes nothing', async () => {
    const url = await createTestDatabase(inject('postgresUrl'));
    const password = new URL(url).password;
    const lakeDir = join(dir, 'lake');
    const refused = await runCli(['init', lakeDir, '--database-url', url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('[INVALID_ARGUMENT]');
    expect(refused.stderr).toContain('${env:');
    expect(refused.stderr).not.toContain(`:${password}@`);
    expect(existsSync(lakeDir)).toBe(false);

    // A password in the query string is a password too.
    const inQuery = `${withPasswordReference(url, 'X').replace('${env:X}', '')}?password=${password}`;
    const refusedQuery = await runCli(['init', lakeDir, '--database-url', inQuery]);
    expect(refusedQuery.code).toBe(2);
    expect(refusedQuery.stderr).not.toContain(`password=${password}`);
    expect(existsSync(lakeDir)).toBe(false);
  });

  it('keeps the password as its ${env:NAME} reference, on a real PostgreSQL', async () => {
    const url = await createTestDatabase(inject('postgresUrl'));
    const password = new URL(url).password;
    const reference = withPasswordReference(url, 'LAKEBOX_TEST_PG_PASSWORD');
    const env = { LAKEBOX_TEST_PG_PASSWORD: password };
    const lakeDir = join(dir, 'lake');
    const created = await runCli(['init', lakeDir, '--database-url', reference], { env });
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const config = await readFile(join(lakeDir, 'lakebox.json'), 'utf8');
    expect(JSON.parse(config)).toMatchObject({ metadata: { type: 'postgres', url: reference } });
    expect(config).not.toContain(`:${password}@`);
    const tables = await runCli(['--lake', lakeDir, '--json', 'tables'], { env });
    expect(tables).toMatchObject({ code: 0, stdout: '[]\n' });
    // The whole URL by reference is as good.
    const other = join(dir, 'other');
    const whole = await runCli(['init', other, '--database-url', '${env:LAKEBOX_TEST_DB_URL}'], {
      env: { LAKEBOX_TEST_DB_URL: await createTestDatabase(inject('postgresUrl')) },
    });
    expect(whole).toMatchObject({ code: 0, stderr: '' });
  });

  it('leaves nothing behind when the database cannot be reached, so a retry succeeds', async () => {
    const port = await freePort(); // nothing listens there
    const unreachable = `postgres://lake:\${env:LAKEBOX_TEST_PG_PASSWORD}@127.0.0.1:${port}/lake`;
    const env = { LAKEBOX_TEST_PG_PASSWORD: 'hunter2' };

    // A directory init would create is gone again.
    const fresh = join(dir, 'fresh', 'lake');
    const failed = await runCli(['init', fresh, '--database-url', unreachable], { env });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('[METADATA_UNREACHABLE]');
    expect(failed.stderr).not.toContain('hunter2');
    expect(existsSync(join(dir, 'fresh'))).toBe(false);

    // A directory that was there stays, as it was: empty.
    const existing = join(dir, 'existing');
    await mkdir(existing);
    const failedInExisting = await runCli(['init', existing, '--database-url', unreachable], {
      env,
    });
    expect(failedInExisting.code).toBe(1);
    expect(await readdir(existing)).toEqual([]);

    // The retry is a plain init, not LAKE_EXISTS.
    const url = await createTestDatabase(inject('postgresUrl'));
    const retried = await runCli(
      ['init', existing, '--database-url', withPasswordReference(url, 'LAKEBOX_TEST_PG_PASSWORD')],
      { env: { LAKEBOX_TEST_PG_PASSWORD: new URL(url).password } },
    );
    expect(retried).toMatchObject({ code: 0, stderr: '' });
  });

  it('leaves nothing behind when a SQLite init fails after creating its database', async () => {
    // Zones under a path that is a file: mkdir fails after the metadata database was made.
    const lakeDir = join(dir, 'lake');
    await mkdir(join(dir, 'blocked'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'blocked', 'raw'), 'not a directory');
    const failed = await runCli(['init', lakeDir, '--storage', join(dir, 'blocked')]);
    expect(failed.code).not.toBe(0);
    expect(existsSync(lakeDir)).toBe(false);
    expect(await readdir(join(dir, 'blocked'))).toEqual(['raw']);
    const retried = await runCli(['init', lakeDir]);
    expect(retried).toMatchObject({ code: 0, stderr: '' });
  });
});
