import Fastify, { type FastifyInstance } from 'fastify';
import type { Lake } from '../lake.js';
import { bearerAuth } from './bearer-auth.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { installHttpMetrics } from './http-metrics.js';
import { requestIdOf } from './request-id.js';
import { healthRoutes, type Readiness } from './routes/health.js';
import { runRoutes } from './routes/runs.js';
import { endpointRoutes } from './routes/endpoints.js';
import type { EndpointHost } from '../serving/endpoint-host.js';

export interface HttpServerOptions {
  lake: Lake;
  readiness: () => Promise<Readiness>;
  /** Whether every request but the health probes needs a bearer token. */
  authRequired: boolean;
  /** A request that failed inside the server (a 5xx), for the log. */
  onInternalError?: (error: unknown, route: string, requestId: string) => void;
  /** The endpoints this server answers `POST /endpoints/:name/invocations` for. */
  endpoints?: EndpointHost;
  /** Serve the endpoints only (`lakebox endpoint serve`): no /runs. */
  endpointsOnly?: boolean;
  /** Largest request body, in bytes. 1 MiB. */
  bodyLimit?: number;
}

/**
 * The HTTP layer of `lakebox serve` on Fastify: middleware for request ids and bearer
 * tokens, routes that hold no logic, and every error through the one mapping of
 * error-handler.ts. Fastify's own logger is off: the serve log has one line per notable
 * thing, not per request.
 */
export function httpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: requestIdOf,
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook(
    'onRequest',
    bearerAuth({
      required: options.authRequired,
      verify: (bearer) => options.lake.tokens.verify(bearer),
      open: ['/healthz', '/readyz'],
    }),
  );
  app.setErrorHandler(
    errorHandler((error, request) =>
      options.onInternalError?.(
        error,
        `${request.method} ${request.routeOptions.url ?? request.url}`,
        request.id,
      ),
    ),
  );
  app.setNotFoundHandler(notFoundHandler);
  installHttpMetrics(app, options.lake, options.endpoints);
  void app.register(healthRoutes(options.readiness));
  if (!options.endpointsOnly) void app.register(runRoutes(options.lake));
  if (options.endpoints) void app.register(endpointRoutes(options.endpoints));
  return app;
}
