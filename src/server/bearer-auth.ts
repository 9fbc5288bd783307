import type { FastifyReply, FastifyRequest } from 'fastify';
import { LakeError } from '../errors/lake-error.js';
import type { ApiToken } from '../tokens/api-token.js';

export interface BearerAuthOptions {
  /** Whether a request without a token is refused (serve listening beyond loopback). */
  readonly required: boolean;
  verify(bearer: string): Promise<ApiToken | undefined>;
  /** Paths open to all: health probes of load balancers and orchestrators. */
  readonly open: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The token that authenticated the request, when one did. */
    apiToken?: ApiToken;
  }
}

/**
 * Authenticates requests by `Authorization: Bearer <token>`. Required when serve listens
 * beyond loopback; on loopback a request may come without one, but a token that is given
 * must be valid (a revoked token never works anywhere). Refusals are 401 with
 * `WWW-Authenticate: Bearer` and the one JSON error shape.
 */
export function bearerAuth(options: BearerAuthOptions) {
  const open = new Set(options.open);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (open.has(request.url.split('?')[0]!)) return;
    const header = request.headers.authorization;
    if (header === undefined) {
      if (!options.required) return;
      reply.header('www-authenticate', 'Bearer');
      throw new LakeError(
        'UNAUTHORIZED',
        'This server needs an API token: send Authorization: Bearer <token> (lakebox token create makes one).',
      );
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const token = bearer === undefined ? undefined : await options.verify(bearer);
    if (!token) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw new LakeError(
        'UNAUTHORIZED',
        'The API token is not valid: malformed, unknown or revoked. lakebox token list shows the tokens; create a new one if needed.',
      );
    }
    request.apiToken = token;
  };
}
