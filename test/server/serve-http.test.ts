import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { httpServer } from '../../src/server/http-server.js';
import { startCli, type CliProcess } from '../support/cli-process.js';
import { runCli } from '../support/run-cli.js';
import { tempLake } from '../support/temp-lake.js';

describe('the HTTP API of lakebox serve: bearer tokens, request ids, error bodies, metrics', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;
  const servers: CliProcess[] = [];

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await server.exited;
    }
    await cleanup();
  });

  const serve = async (host: string) => {
    const server = startCli([
      '--lake',
      dir,
      'serve',
      '--host',
      host,
      '--port',
      '0',
      '--log-format',
      'json',
    ]);
    servers.push(server);
    const { port } = await server.event('listening');
    return { server, base: `http://127.0.0.1:${port as number}` };
  };

  it('beyond loopback refuses requests without a valid token; a token works until revoked, at once', async () => {
    const { server, base } = await serve('0.0.0.0');
    await server.event('auth.no_tokens');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const refused = await fetch(`${base}/runs`, { headers: { 'x-request-id': 'probe-1' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(refused.headers.get('x-request-id')).toBe('probe-1');
    expect(await refused.json()).toEqual({
      error: { code: 'UNAUTHORIZED', message: expect.stringContaining('lakebox token create') },
      requestId: 'probe-1',
    });

    const created = await runCli(['--lake', dir, 'token', 'create', 'ci']);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(created.stderr).toContain('not shown again');
    const auth = { authorization: `Bearer ${token}` };
    await lake.services.runs.create({ kind: 'job', name: 'listed' });
    const ok = await fetch(`${base}/runs?kind=job`, { headers: auth });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      ((await ok.json()) as { runs: Array<{ name: string }> }).runs.map((r) => r.name),
    ).toEqual(['listed']);

    const bad = await fetch(`${base}/runs?status=bogus`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('status') },
    });
    const unknown = await fetch(`${base}/runs/run_nope`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'RUN_NOT_FOUND' } });

    const listed = await runCli(['--lake', dir, 'token', 'list', '--json']);
    const [entry] = JSON.parse(listed.stdout) as Array<{ id: string; lastUsedAt: string | null }>;
    expect(entry!.lastUsedAt).not.toBeNull();
    expect(listed.stdout).not.toContain(token.split('_')[2]!);
    expect((await runCli(['--lake', dir, 'token', 'revoke', entry!.id])).code).toBe(0);
    const revoked = await fetch(`${base}/runs`, { headers: auth });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({
      error: { code: 'UNAUTHORIZED', message: expect.stringContaining('revoked') },
    });
    expect((await runCli(['--lake', dir, 'token', 'revoke', 'ffffffffffff'])).code).toBe(2);
    expect(server.lines.join('\n')).not.toContain(token);
  }, 60_000);

  it('on loopback a token is optional, but one that is given must be valid', async () => {
    const { base } = await serve('127.0.0.1');
    expect((await fetch(`${base}/runs`)).status).toBe(200);
    const wrong = await fetch(`${base}/runs`, { headers: { authorization: 'Bearer lbt_nope' } });
    expect(wrong.status).toBe(401);
  }, 60_000);

  it('counts requests by route pattern and reports runs in flight at /metrics, in Prometheus text', async () => {
    const app = httpServer({
      lake,
      readiness: async () => ({ ready: true, checks: {} }),
      authRequired: false,
    });
    const queued = await lake.services.runs.create({ kind: 'job', name: 'waiting' });
    for (const url of ['/runs', '/runs', `/runs/${queued.id}`, '/runs/run_nope', '/nowhere'])
      await app.inject({ method: 'GET', url });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = metrics.body;
    expect(text).toContain(
      'lakebox_http_requests_total{method="GET",route="/runs",status="200"} 2',
    );
    expect(text).toContain(
      'lakebox_http_requests_total{method="GET",route="/runs/:id",status="200"} 1',
    );
    expect(text).toContain(
      'lakebox_http_requests_total{method="GET",route="/runs/:id",status="404"} 1',
    );
    expect(text).toContain(
      'lakebox_http_requests_total{method="GET",route="unmatched",status="404"} 1',
    );
    expect(text).toMatch(
      /lakebox_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/runs"\} 2/,
    );
    expect(text).toContain('lakebox_runs{kind="job",status="queued"} 1');
    expect(text).toContain('lakebox_process_resident_memory_bytes');
    await app.close();
  });

  it('refuses a body over the limit with 413 and the JSON error shape', async () => {
    const app = httpServer({
      lake,
      readiness: async () => ({ ready: true, checks: {} }),
      authRequired: false,
      bodyLimit: 1024,
    });
    app.post('/echo', async (request) => request.body);
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ data: 'x'.repeat(2048) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({
      error: { code: 'PAYLOAD_TOO_LARGE' },
      requestId: expect.any(String),
    });
    const malformed = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"data": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    await app.close();
  });
});
