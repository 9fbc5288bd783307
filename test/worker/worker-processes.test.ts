import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE } from '../../src/config/lake-config.js';
import { startCli, type CliProcess } from '../support/cli-process.js';
import { runCli } from '../support/run-cli.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { TEAM_LAKE_ENV } from '../support/team-lake.js';
import { openGate, openWorkerLake, type WorkerLake } from './worker-fixture.js';

describe('lakebox worker processes on PostgreSQL metadata and S3 storage', () => {
  let s3: S3TestServer;
  let team: WorkerLake;
  const workers: CliProcess[] = [];

  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'worker-lake' });
  }, 60_000);
  afterAll(() => s3.stop());
  beforeEach(async () => {
    team = await openWorkerLake(s3);
  }, 60_000);
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await team.close();
  });

  const worker = (...args: string[]): CliProcess => {
    const started = startCli([...team.cli, 'worker', '--concurrency', '1', ...args], TEAM_LAKE_ENV);
    workers.push(started);
    return started;
  };
  const startGated = () => team.lake.jobs.start('gated', { parameters: { gate: team.gate } });
  const attempts = async () =>
    (await team.lake.jobs.runs('gated')).sort((a, b) => a.attempt - b.attempt);

  it('a SIGKILLed worker is found by its heartbeat and its run finishes on the other worker, committed once', async () => {
    const run = await startGated();
    const first = worker();
    const { worker: firstId } = await first.event('started');
    await first.event('run.started', (event) => event['runId'] === run.id);
    const second = worker();
    const { worker: secondId } = await second.event('started');

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await openGate(team);

    const final = await team.lake.services.executor.wait(run.id);
    expect(final).toMatchObject({ status: 'succeeded', attempt: 2, worker: secondId });
    const [lost, retried] = await attempts();
    expect(lost).toMatchObject({ id: run.id, status: 'failed', worker: firstId });
    expect(lost!.error?.code).toBe('WORKER_LOST');
    expect(retried).toMatchObject({ status: 'succeeded', worker: secondId });
    expect(await team.lake.history('curated.gated')).toHaveLength(1);
    expect((await team.lake.query('select id from curated.gated')).rows()).toEqual([{ id: 1 }]);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.lines.at(-1)).toContain('"event":"stopped"');
  }, 120_000);

  it('SIGTERM drains: the worker takes no new run, finishes the one in flight, then exits 0', async () => {
    const run = await startGated();
    const only = worker();
    const { worker: id } = await only.event('started');
    await only.event('run.started', (event) => event['runId'] === run.id);

    only.child.kill('SIGTERM');
    await only.event('stopping');
    expect(only.child.exitCode).toBeNull(); // still draining: the run waits on its gate
    await openGate(team);
    expect(await only.exited).toBe(0);

    expect(await team.lake.runs.get(run.id)).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      worker: id,
    });
    const events = only.lines.map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual(['started', 'run.started', 'stopping', 'run.ended', 'stopped']);
  }, 120_000);

  it('a second SIGTERM hands the run in flight back at once, and another worker finishes it', async () => {
    const run = await startGated();
    const first = worker('--drain-timeout', '3600');
    const { worker: firstId } = await first.event('started');
    await first.event('run.started', (event) => event['runId'] === run.id);
    first.child.kill('SIGTERM');
    await first.event('stopping');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const handedBack = await team.lake.runs.get(run.id);
    expect(handedBack).toMatchObject({ status: 'failed', worker: firstId });
    expect(handedBack.error?.code).toBe('WORKER_LOST');

    const second = worker();
    const { worker: secondId } = await second.event('started');
    await openGate(team);
    const final = await team.lake.services.executor.wait(run.id);
    expect(final).toMatchObject({ status: 'succeeded', attempt: 2, worker: secondId });
    expect(await team.lake.history('curated.gated')).toHaveLength(1);
  }, 120_000);

  it("refuses, on one line each, a kind Lakebox does not have, another lake's database and a lake that runs its runs embedded", async () => {
    const unknown = await runCli(
      [...team.cli.filter((a) => a !== '--json'), 'worker', '--kinds', 'job,nope'],
      {
        env: TEAM_LAKE_ENV,
      },
    );
    expect(unknown.code).toBe(2);
    expect(errorLines(unknown.stderr)).toEqual([
      expect.stringMatching(
        /^lakebox: Lakebox has no run kind "nope".*--kinds.*\[UNKNOWN_RUN_KIND\]$/,
      ),
    ]);

    // This lake's lakebox.json with the metadata URL of another lake's database.
    const other = await openWorkerLake(s3);
    try {
      const variable = await metadataVariable(team.dir);
      const otherVariable = await metadataVariable(other.dir);
      const wrong = await runCli(['--lake', team.dir, 'worker'], {
        env: { ...TEAM_LAKE_ENV, [variable]: TEAM_LAKE_ENV[otherVariable] },
      });
      expect(wrong.code).toBe(2);
      expect(errorLines(wrong.stderr)).toEqual([
        expect.stringMatching(
          /^lakebox: The metadata database at .* belongs to another lake \(lake_[0-9a-f]+, storage s3:\/\/[^)]+\), not to this.*\[LAKE_MISMATCH\]$/,
        ),
      ]);
      expect(wrong.stderr).not.toMatch(/ at .*\.js:\d+/);
    } finally {
      await other.close();
    }

    const embedded = await runCli(['--lake', team.dir, 'worker'], {
      env: { ...TEAM_LAKE_ENV, LAKEBOX_EXECUTOR: 'embedded' },
    });
    expect(embedded.code).toBe(2);
    expect(errorLines(embedded.stderr)).toEqual([
      expect.stringMatching(/^lakebox: .*"mode": "workers".*\[INVALID_CONFIG\]$/),
    ]);
  }, 60_000);
});

/** Lakebox's own lines on stderr (Node prints its warnings there too). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('lakebox:'));
}

/** The environment variable that a team lake's lakebox.json names for its metadata URL. */
async function metadataVariable(lakeDir: string): Promise<string> {
  const config = JSON.parse(await readFile(join(lakeDir, CONFIG_FILE), 'utf8')) as {
    metadata: { url: string };
  };
  return /\$\{env:(\w+)\}/.exec(config.metadata.url)![1]!;
}
