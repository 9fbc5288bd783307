import type { AddressInfo } from 'node:net';
import type { Lake } from '../lake.js';
import { httpServer } from './http-server.js';
import { isLoopback, type ServeLog } from './serve.js';

export interface ServeEndpointOptions {
  host?: string;
  /** 0 picks a free port (printed in the `listening` line). */
  port?: number;
  pollMs?: number;
  log: ServeLog;
}

/**
 * `lakebox endpoint serve NAME`: a process that serves one endpoint and nothing else (no
 * executor, scheduler or dispatcher), so that an endpoint can have a machine of its own.
 * It follows the endpoint's record as `lakebox serve` does: an update loads beside the old
 * models and switches.
 *
 * @throws LakeError ENDPOINT_NOT_FOUND before anything listens.
 */
export async function serveEndpoint(
  lake: Lake,
  name: string,
  options: ServeEndpointOptions,
): Promise<{ port: number; stop(): Promise<void> }> {
  const { log } = options;
  const endpoints = lake.endpoints.host({ only: name, pollMs: options.pollMs, onNote: log });
  await endpoints.start();
  const host = options.host ?? '127.0.0.1';
  const authRequired = !isLoopback(host);
  const app = httpServer({
    lake,
    endpoints,
    endpointsOnly: true,
    authRequired,
    readiness: async () => {
      const serving = endpoints.serving().length > 0;
      return {
        ready: serving,
        checks: { endpoint: serving ? { ok: true } : { ok: false, message: 'not loaded' } },
      };
    },
    onInternalError: (error, route, requestId) =>
      log(
        'http.error',
        { route, requestId, message: String(error) },
        `${route} failed (request ${requestId}): ${String(error)}`,
      ),
  });
  try {
    await app.listen({ host, port: options.port ?? 8080 });
  } catch (error) {
    await endpoints.stop();
    throw error;
  }
  const { port, address } = app.server.address() as AddressInfo;
  log(
    'listening',
    { host: address, port, endpoint: name, auth: authRequired ? 'required' : 'optional' },
    `Serving endpoint ${name} on http://${address}:${port}/endpoints/${name}/invocations; API tokens ${authRequired ? 'required' : 'optional on loopback'}.`,
  );
  return {
    port,
    async stop() {
      await app.close();
      await endpoints.stop();
    },
  };
}
