import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// What a proxy's or client's id may hold to be echoed back unchanged (no header injection).
const ACCEPTED = /^[\w.:@-]{1,128}$/;

/**
 * Each request's id: the caller's `X-Request-Id` when it is a plain token (so a proxy's
 * id runs through), else a new UUID. It is echoed in the response header and in error
 * bodies, and logged with server errors, so one failed request can be found end to end.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && ACCEPTED.test(given) ? given : randomUUID();
}
