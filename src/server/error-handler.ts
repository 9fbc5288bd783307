import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { LakeError, type ErrorCode } from '../errors/lake-error.js';
import { HTTP_STATUS } from './http-status.js';

/** The body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
  /** The request's id (also its `X-Request-Id` header), to find it in the server's log. */
  requestId?: string;
}

/**
 * The one mapping from errors to HTTP: a LakeError by its code (HTTP_STATUS), Fastify's own
 * request errors (a body too large as PAYLOAD_TOO_LARGE, bad JSON and the rest as
 * INVALID_ARGUMENT) with their status, and anything else as INTERNAL with a message that
 * leaks nothing of the server.
 */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof LakeError) {
    return { status: HTTP_STATUS[error.code] ?? 500, body: { error: error.toJSON() } };
  }
  const status = (error as FastifyError | undefined)?.statusCode;
  if (status === 413) {
    const message = 'The request body is larger than this server takes; send less per request.';
    return { status, body: { error: { code: 'PAYLOAD_TOO_LARGE', message } } };
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = (error as Error).message;
    return { status, body: { error: { code: 'INVALID_ARGUMENT', message } } };
  }
  return {
    status: 500,
    body: {
      error: {
        code: 'INTERNAL',
        message: 'The server failed on this request; its log has the cause. Retry, or report it.',
      },
    },
  };
}

export function errorHandler(
  onInternal: (error: unknown, request: FastifyRequest) => void,
): (error: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (error, request, reply) => {
    const { status, body } = toHttpError(error);
    if (status >= 500) onInternal(error, request);
    return reply.status(status).send({ ...body, requestId: request.id });
  };
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toHttpError(
    new LakeError(
      'ROUTE_NOT_FOUND',
      `No route ${request.method} ${request.url.split('?')[0]}; see docs/operating.md for the routes of lakebox serve.`,
    ),
  );
  return reply.status(status).send({ ...body, requestId: request.id });
}
