import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Lake } from '../lake.js';
import type { EndpointHost } from '../serving/endpoint-host.js';

// From a fast in-process answer to a slow query, in seconds.
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/**
 * `GET /metrics` in Prometheus' text format, from prom-client: requests and their latency
 * by route (the route's pattern, never the raw URL, so that ids do not make a series each),
 * the runs queued and running by kind (counted when scraped), and the process's own
 * figures (memory, CPU, event-loop lag). Each server has its own registry, so that two
 * servers in one process (tests) never share series. Installed on the root instance (not
 * registered as an encapsulated plugin) so that its response hook sees every route.
 */
export function installHttpMetrics(
  app: FastifyInstance,
  lake: Lake,
  endpoints?: EndpointHost,
): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lakebox_' });
  const requests = new Counter({
    name: 'lakebox_http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'lakebox_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its answer, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'lakebox_runs',
    help: 'Runs queued and running in the lake, by kind and status.',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { kind, status, count } of await lake.runs.activeCounts())
        this.set({ kind, status }, count);
    },
  });

  if (endpoints) endpointMetrics(registry, endpoints, app);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}

/**
 * Per endpoint and variant (the shadow's too, labelled so): requests by outcome and the
 * latency of scoring them (parsing, encoding and the model; not the HTTP layer).
 */
function endpointMetrics(registry: Registry, host: EndpointHost, app: FastifyInstance): void {
  const requests = new Counter({
    name: 'lakebox_endpoint_requests_total',
    help: 'Requests a variant of an endpoint answered (ok) or failed (error), by endpoint and variant.',
    labelNames: ['endpoint', 'variant', 'shadow', 'outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'lakebox_endpoint_latency_seconds',
    help: 'Time to parse, encode and score a request, by endpoint and variant.',
    labelNames: ['endpoint', 'variant', 'shadow'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'lakebox_endpoint_capture_rows',
    help: 'Data capture rows by endpoint and state: written, pending, or dropped because the writer was behind.',
    labelNames: ['endpoint', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const endpoint of host.serving()) {
        const stats = host.captureStats(endpoint);
        if (!stats) continue;
        for (const state of ['written', 'pending', 'dropped'] as const)
          this.set({ endpoint, state }, stats[state]);
      }
    },
  });
  const stop = host.observe((o) => {
    const labels = { endpoint: o.endpoint, variant: o.variant, shadow: String(o.shadow) };
    requests.inc({ ...labels, outcome: o.ok ? 'ok' : 'error' });
    latency.observe(labels, o.seconds);
  });
  app.addHook('onClose', async () => stop());
}
