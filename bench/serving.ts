// Real-time endpoints, inside `lakebox serve` on an embedded lake: a 100-tree, depth-6
// gradient-boosted model behind POST /endpoints/NAME/invocations, single-record JSON
// requests from autocannon (in its own process, 127.0.0.1 only) over BENCH_SERVING_CONNECTIONS
// (32) connections for BENCH_SERVING_SECONDS (10) s; the anchor, measured in the same run, a
// bare node:http server that parses the same JSON and answers a constant.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { serve } from '../src/server/serve.js';
import { serveEndpoint } from '../src/server/serve-endpoint.js';
import { tempLake } from '../test/support/temp-lake.js';
import { FLIGHTS, RECORD } from '../test/serving/fixtures.js';
import { figure, ms } from './measure.js';

const CONNECTIONS = Number(process.env['BENCH_SERVING_CONNECTIONS'] ?? 32);
const SECONDS = Number(process.env['BENCH_SERVING_SECONDS'] ?? 10);
const AUTOCANNON = new URL('../node_modules/.bin/autocannon', import.meta.url).pathname;

interface Result {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

async function load(url: string): Promise<Result> {
  // Its own process, so the load generator does not share the server's event loop.
  const { stdout } = await promisify(execFile)(
    AUTOCANNON,
    [
      '--json',
      '-c',
      String(CONNECTIONS),
      '-d',
      String(SECONDS),
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-b',
      JSON.stringify(RECORD),
      url,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Result;
}

const report = (label: string, r: Result) => {
  figure(`${label}: requests/s`, r.requests.average.toFixed(0));
  figure(`${label}: latency p50 / p99`, `${ms(r.latency.p50)} / ${ms(r.latency.p99)}`);
  figure(`${label}: non-2xx / errors`, `${r.non2xx} / ${r.errors}`);
};

const made = await tempLake();
try {
  await made.lake.writeTable('air.flights', {
    sql: FLIGHTS.replace('range(2000)', 'range(20000)'),
  });
  await made.lake.ml.train('delay', {
    table: 'air.flights',
    target: 'late',
    exclude: ['id'],
    algorithm: 'gbdt',
    params: { rounds: 100, maxDepth: 6, earlyStoppingRounds: 0 },
  });
  await made.lake.endpoints.create('delay', { variants: [{ name: 'main', model: 'delay:1' }] });

  const bare: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      JSON.parse(body);
      response.setHeader('content-type', 'application/json');
      response.end('{"predictions":[0]}');
    });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const anchor = await load(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`);
  await new Promise((resolve) => bare.close(resolve));

  const server = await serve(made.lake, { port: 0, dispatch: false, log: () => undefined });
  const served = await load(`http://127.0.0.1:${server.port}/endpoints/delay/invocations`);
  await server.stop();
  // The same endpoint in a process of its own (`lakebox endpoint serve`): HTTP and scoring only.
  const alone = await serveEndpoint(made.lake, 'delay', { port: 0, log: () => undefined });
  const dedicated = await load(`http://127.0.0.1:${alone.port}/endpoints/delay/invocations`);
  await alone.stop();
  // Scoring alone, without HTTP: the host's invoke in a loop.
  const host = made.lake.endpoints.host({ only: 'delay', pollMs: 60_000 });
  await host.start();
  const calls = 20_000;
  const started = performance.now();
  for (let i = 0; i < calls; i++) await host.invoke('delay', { json: { ...RECORD } });
  const invokeUs = ((performance.now() - started) * 1000) / calls;
  await host.stop();

  report('bare node:http (anchor)', anchor);
  report('endpoint, 100 trees depth 6, one instance', served);
  figure(
    'endpoint / anchor throughput',
    (served.requests.average / anchor.requests.average).toFixed(2),
  );
  report('lakebox endpoint serve (dedicated)', dedicated);
  figure(
    'dedicated / anchor throughput',
    (dedicated.requests.average / anchor.requests.average).toFixed(2),
  );
  figure('host.invoke without HTTP (one record)', `${invokeUs.toFixed(1)} us`);
} finally {
  await made.cleanup();
}
