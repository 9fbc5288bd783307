import Fastify, { type FastifyInstance } from 'fastify';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { healthRoutes, type Readiness } from './routes/health.js';

export interface HttpServerOptions {
  readiness: () => Promise<Readiness>;
  /** A request that failed inside the server (a 5xx), for the log. */
  onInternalError?: (error: unknown, route: string) => void;
  /** Largest request body, in bytes. 1 MiB. */
  bodyLimit?: number;
}

/**
 * The HTTP layer of `lakebox serve` on Fastify: routes hold no logic, and every error goes
 * through the one mapping of error-handler.ts. Fastify's own logger is off: the serve log
 * has one line per notable thing, not per request.
 */
export function httpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1024 * 1024 });
  app.setErrorHandler(
    errorHandler((error, request) =>
      options.onInternalError?.(
        error,
        `${request.method} ${request.routeOptions.url ?? request.url}`,
      ),
    ),
  );
  app.setNotFoundHandler(notFoundHandler);
  void app.register(healthRoutes(options.readiness));
  return app;
}
