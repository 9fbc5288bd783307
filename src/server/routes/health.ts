import type { FastifyInstance } from 'fastify';

/** What `/readyz` reports: ready when every check passes. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; message?: string }>;
}

/**
 * `/healthz`: the process is up (200 while it serves at all). `/readyz`: it can do its work
 * (200, or 503 with the failing checks), for load balancers and orchestrators.
 */
export function healthRoutes(readiness: () => Promise<Readiness>) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const report = await readiness();
      return reply.status(report.ready ? 200 : 503).send(report);
    });
  };
}
