import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedProxy {
  endpoint: string;
  /** From now on, requests wait until `release()`. */
  hold(): void;
  /** Lets the waiting requests and all later ones through. */
  release(): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of a real server (s3rver) that holds requests while told to: work
 * that talks to it is provably still going while it holds, with no clock involved.
 */
export async function gatedProxy(target: string): Promise<GatedProxy> {
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => undefined;
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    void gate.then(() => {
      const forwarded = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => res.destroy());
      req.pipe(forwarded);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
    close: () =>
      new Promise((resolve) => {
        release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
