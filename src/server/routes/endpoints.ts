import type { FastifyInstance } from 'fastify';
import type { EndpointHost } from '../../serving/endpoint-host.js';

/**
 * `POST /endpoints/:name/invocations`: JSON (one record, an array of records, or
 * `{"columns": {...}}`) or `text/csv`, answered with the variant that scored, its model
 * version, the predictions and, for classifiers, the probabilities per class.
 */
export function endpointRoutes(host: EndpointHost) {
  return async (app: FastifyInstance): Promise<void> => {
    // A CSV body reaches the route as text; the host types its cells by the model's schema.
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    app.post<{ Params: { name: string } }>('/endpoints/:name/invocations', async (request) => {
      const csv = (request.headers['content-type'] ?? '').startsWith('text/csv');
      return host.invoke(
        request.params.name,
        csv ? { csv: String(request.body ?? '') } : { json: request.body },
      );
    });
  };
}
