import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { serve, type RunningServe } from '../../src/server/serve.js';
import { serveEndpoint } from '../../src/server/serve-endpoint.js';
import { tempLake } from '../support/temp-lake.js';
import { RECORD, trainDelay } from './fixtures.js';

interface Answer {
  variant: string;
  model: string;
  version: number;
  predictions: unknown[];
  probabilities?: number[][];
}

describe('endpoints over HTTP in lakebox serve, and updates without downtime', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: RunningServe;
  let base: string;

  beforeAll(async () => {
    ({ lake, dir, cleanup } = await tempLake());
    await trainDelay(lake);
    // Version 3, then its model document broken on disk: it resolves, but cannot load.
    await lake.ml.train('delay', {
      table: 'air.flights',
      target: 'late',
      exclude: ['id'],
      algorithm: 'logistic',
    });
    await writeFile(join(dir, (await lake.ml.version('delay:3')).artifactKey), '{ not json');
    await lake.endpoints.create('live', { variants: [{ name: 'main', model: 'delay:1' }] });
    server = await serve(lake, {
      port: 0,
      dispatch: false,
      endpointPollMs: 50,
      log: () => undefined,
    });
    base = `http://127.0.0.1:${server.port}`;
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await cleanup();
  });

  const invoke = (name: string, body: string, type = 'application/json') =>
    fetch(`${base}/endpoints/${name}/invocations`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });

  const waitFor = async (check: () => Promise<boolean>) => {
    const until = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > until) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('answers JSON and CSV with the variant, version, predictions and probabilities', async () => {
    const one = await invoke('live', JSON.stringify(RECORD));
    expect(one.status).toBe(200);
    const answer = (await one.json()) as Answer;
    expect(answer).toMatchObject({ variant: 'main', model: 'delay', version: 1 });
    expect(answer.predictions).toHaveLength(1);
    expect(answer.probabilities![0]!.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    const many = (await (
      await invoke('live', JSON.stringify([RECORD, { ...RECORD, hour: 2 }]))
    ).json()) as Answer;
    expect(many.predictions).toHaveLength(2);
    const csv = await invoke('live', 'hour,distance,origin\n20,900,JFK\n2,900,JFK\n', 'text/csv');
    expect(csv.status).toBe(200);
    expect(((await csv.json()) as Answer).probabilities).toEqual(many.probabilities);
  });

  it('refuses bad input with 400 and a JSON error body, an unknown endpoint with 404', async () => {
    const cases: Array<[string, string, string, number, Record<string, unknown>]> = [
      [
        'live',
        JSON.stringify({ hour: 3, origin: 'SFO' }),
        'application/json',
        400,
        { code: 'INVALID_ARGUMENT', details: { missing: ['distance'], record: 0 } },
      ],
      [
        'live',
        JSON.stringify({ ...RECORD, hour: 'late' }),
        'application/json',
        400,
        { code: 'INVALID_ARGUMENT', details: { field: 'hour', expected: 'a number', record: 0 } },
      ],
      ['live', '', 'application/json', 400, { code: 'INVALID_ARGUMENT' }],
      ['live', '[]', 'application/json', 400, { code: 'INVALID_ARGUMENT' }],
      ['live', '{"hour": 3,', 'application/json', 400, { code: 'INVALID_ARGUMENT' }],
      [
        'live',
        'hour,distance\n"3,4\n',
        'text/csv',
        400,
        { code: 'INVALID_ARGUMENT', details: { line: 2 } },
      ],
      ['nosuch', JSON.stringify(RECORD), 'application/json', 404, { code: 'ENDPOINT_NOT_FOUND' }],
      [
        'live',
        JSON.stringify(Array.from({ length: 40_000 }, () => RECORD)),
        'application/json',
        413,
        { code: 'PAYLOAD_TOO_LARGE' },
      ],
    ];
    for (const [name, body, type, status, error] of cases) {
      const response = await invoke(name, body, type);
      expect(response.status, body).toBe(status);
      expect(((await response.json()) as { error: unknown }).error).toMatchObject(error);
    }
  });

  it('switches to an updated version under load with no failed request; a model that fails to load leaves the old one serving', async () => {
    let stop = false;
    let failures = 0;
    const seen: Array<{ startedAt: number; version: number }> = [];
    const client = async () => {
      while (!stop) {
        const startedAt = Date.now();
        const response = await invoke('live', JSON.stringify(RECORD)).catch(() => undefined);
        if (response?.status !== 200) {
          failures++;
          await response?.text();
          continue;
        }
        seen.push({ startedAt, version: ((await response.json()) as Answer).version });
      }
    };
    const clients = Array.from({ length: 16 }, client);
    await new Promise((resolve) => setTimeout(resolve, 300));

    await lake.endpoints.update('live', { variants: [{ name: 'main', model: 'delay:2' }] });
    await waitFor(async () => {
      const { deployment } = await lake.endpoints.status('live');
      return deployment?.serving?.[0]?.version === 2;
    });
    const switched = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));

    await lake.endpoints.update('live', { variants: [{ name: 'main', model: 'delay:3' }] });
    await waitFor(async () => (await lake.endpoints.status('live')).deployment?.state === 'failed');
    const failedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await Promise.all(clients);

    expect(failures).toBe(0);
    expect(seen.length).toBeGreaterThan(200);
    expect(seen.some((s) => s.version === 1)).toBe(true);
    const after = seen.filter((s) => s.startedAt > switched);
    expect(after.length).toBeGreaterThan(50);
    expect(after.every((s) => s.version === 2)).toBe(true);
    expect(seen.filter((s) => s.startedAt > failedAt).every((s) => s.version === 2)).toBe(true);
    const { deployment } = await lake.endpoints.status('live');
    expect(deployment).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('delay:3'),
      serving: [expect.objectContaining({ name: 'main', model: 'delay', version: 2 })],
    });
    console.log(
      `update under load: ${seen.length} requests by 16 clients, ${failures} failed; ${after.length} after the switch, all from version 2`,
    );
  }, 60_000);

  it('counts requests, errors and latency per endpoint and variant on /metrics', async () => {
    await invoke('live', JSON.stringify({ hour: 3 }));
    const text = await (await fetch(`${base}/metrics`)).text();
    const ok =
      /lakebox_endpoint_requests_total\{endpoint="live",variant="main",shadow="false",outcome="ok"\} (\d+)/.exec(
        text,
      );
    expect(Number(ok?.[1])).toBeGreaterThan(200);
    expect(text).toMatch(
      /lakebox_endpoint_requests_total\{endpoint="live",variant="main",shadow="false",outcome="error"\} [1-9]/,
    );
    expect(text).toMatch(
      /lakebox_endpoint_latency_seconds_bucket\{le="0.005",endpoint="live",variant="main",shadow="false"\} \d+/,
    );
    await lake.endpoints.update('live', { capture: { sample: 1 } });
    await waitFor(async () => {
      await invoke('live', JSON.stringify(RECORD));
      const scraped = await (await fetch(`${base}/metrics`)).text();
      return /lakebox_endpoint_capture_rows\{endpoint="live",state="written"\} [1-9]/.test(scraped);
    });
    const { traffic } = await lake.endpoints.status('live');
    expect(traffic).toEqual([
      expect.objectContaining({ variant: 'main', shadow: false, requests: expect.any(Number) }),
    ]);
  });

  it('serves an endpoint created while serving, and stops serving a deleted one', async () => {
    await lake.endpoints.create('fresh', { variants: [{ model: 'delay:2' }] });
    await waitFor(async () => (await invoke('fresh', JSON.stringify(RECORD))).status === 200);
    await lake.endpoints.delete('fresh');
    await waitFor(async () => (await invoke('fresh', JSON.stringify(RECORD))).status === 404);
  });

  it('alone beyond loopback (lakebox endpoint serve), needs a valid token and serves that endpoint only', async () => {
    const alone = await serveEndpoint(lake, 'live', {
      host: '0.0.0.0',
      port: 0,
      log: () => undefined,
    });
    try {
      const url = `http://127.0.0.1:${alone.port}/endpoints/live/invocations`;
      const post = (headers: Record<string, string> = {}) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(RECORD),
        });
      const refused = await post();
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'UNAUTHORIZED',
      );
      const { token } = await lake.tokens.create('serving-test');
      const auth = { authorization: `Bearer ${token}` };
      // A new process finds the broken config (delay:3) and has nothing to serve yet.
      const unloaded = await post(auth);
      expect(unloaded.status).toBe(503);
      expect(((await unloaded.json()) as { error: { code: string } }).error.code).toBe(
        'ENDPOINT_NOT_SERVING',
      );
      expect((await fetch(`http://127.0.0.1:${alone.port}/readyz`)).status).toBe(503);
      await lake.endpoints.update('live', { variants: [{ name: 'main', model: 'delay:2' }] });
      await waitFor(async () => (await post(auth)).status === 200);
      const answered = await post(auth);
      expect(((await answered.json()) as Answer).version).toBe(2);
      const runs = await fetch(`http://127.0.0.1:${alone.port}/runs`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(runs.status).toBe(404);
    } finally {
      await alone.stop();
    }
  });
});
