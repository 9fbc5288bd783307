import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE } from '../../src/config/lake-config.js';
import { Lake } from '../../src/lake.js';
import { isTerminalStatus } from '../../src/runs/run.js';
import { eventually, startCli, type CliProcess } from '../support/cli-process.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

const EVENTS = 1000;

/**
 * `lakebox dispatch` SIGKILLed in the middle of 1,000 pending events: a restarted one
 * delivers every event, and no event starts its target twice.
 */
describe('a dispatcher killed with events pending', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const processes: CliProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('delivers all of them after a restart, each to one run', async () => {
    const made = await tempLake();
    cleanups.push(made.cleanup);
    await made.lake.close();
    // Quick to declare the killed process lost, so that its runs are taken over soon.
    const configPath = join(made.dir, CONFIG_FILE);
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    config['executor'] = { mode: 'embedded', heartbeatMs: 500, lostAfterMs: 5000 };
    await writeFile(configPath, JSON.stringify(config));
    const lake = await Lake.open(made.dir);
    cleanups.push(() => lake.close());
    const files = await tempDir('lakebox-dispatch-crash-');
    cleanups.push(files.cleanup);
    await writeFile(join(files.dir, 'noop.ts'), 'export const handler = () => undefined;');
    await lake.functions.deploy(join(files.dir, 'noop.ts'), { name: 'noop', concurrency: 8 });
    await lake.triggers.create({
      name: 'burst',
      pattern: { type: 'object.created', zone: 'raw', prefix: 'burst/' },
      target: 'function:noop',
    });
    await lake.services.events.appendMany(
      Array.from({ length: EVENTS }, (_, i) => ({
        type: 'object.created' as const,
        subject: `raw/burst/${i}.csv`,
        payload: { key: `raw/burst/${i}.csv`, size: 1 },
      })),
    );

    const start = () => {
      const dispatch = startCli(['--lake', made.dir, 'dispatch', '--json']);
      processes.push(dispatch);
      return dispatch;
    };
    const first = start();
    await eventually(
      async () =>
        first.lines.filter((line) => line.includes('"delivery.started"')).length >= 100 ||
        undefined,
      'a hundred deliveries',
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const before = (await lake.triggers.status('burst')).counts.started;
    expect(before).toBeLessThan(EVENTS);

    const second = start();
    await eventually(async () => {
      const { counts } = await lake.triggers.status('burst');
      return counts.started === EVENTS || undefined;
    }, 'every event delivered');
    const runs = await eventually(
      async () => {
        const all = await lake.runs.list({ kind: 'function', name: 'noop', limit: 5 * EVENTS });
        return all.every((run) => isTerminalStatus(run.status)) &&
          all.filter((run) => run.status === 'succeeded').length === EVENTS
          ? all
          : undefined;
      },
      'every invocation to end',
      120_000,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // One first attempt per event: the restarted dispatcher started none a second time.
    const firsts = runs.filter((run) => run.attempt === 1);
    expect(firsts).toHaveLength(EVENTS);
    const keys = await lake.services.db
      .selectFrom('lb_run')
      .select('idempotency_key')
      .where('kind', '=', 'function')
      .where('attempt', '=', 1)
      .execute();
    expect(new Set(keys.map((k) => k.idempotency_key)).size).toBe(EVENTS);
    // Every event ended in exactly one succeeded invocation (a run killed with the first
    // process was retried as its next attempt, not started again).
    expect(runs.filter((run) => run.status === 'succeeded')).toHaveLength(EVENTS);
    const deliveries = await lake.services.db
      .selectFrom('lb_trigger_delivery')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(deliveries.n)).toBe(EVENTS);
  }, 240_000);
});
