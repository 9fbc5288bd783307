import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedProxy {
  endpoint: string;
  /** From now on, requests wait until `release()`. */
  hold(): void;
  /**
   * From now on, requests that `match` wait until `release()` (the others pass); resolves
   * when the first of them arrives, so the caller knows the work is at that point.
   */
  holdWhen(match: (req: IncomingMessage) => boolean): Promise<void>;
  /** Lets the waiting requests and all later ones through. */
  release(): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of a real server (s3rver) that holds requests while told to: work
 * that talks to it is provably still going while it holds, with no clock involved. A held
 * request whose client went away meanwhile (a killed worker) is dropped, not forwarded
 * with half a body.
 */
export async function gatedProxy(target: string): Promise<GatedProxy> {
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => undefined;
  let holds: (req: IncomingMessage) => boolean = () => true;
  let arrived: () => void = () => undefined;
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    let gone = false;
    res.on('close', () => (gone = !res.writableEnded));
    const held = holds(req);
    if (held) arrived();
    void (held ? gate : Promise.resolve()).then(() => {
      if (gone) return;
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
  const close = (): void => {
    gate = new Promise((resolve) => (release = resolve));
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    hold() {
      holds = () => true;
      close();
    },
    holdWhen(match) {
      holds = match;
      close();
      return new Promise((resolve) => (arrived = resolve));
    },
    release() {
      holds = () => false;
      release();
    },
    close: () =>
      new Promise((resolve) => {
        release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
