import type { ServeLog } from '../server/serve.js';

/**
 * The log of a long-running command (serve, watch, endpoint serve): one line per notable
 * thing on stdout, `TIME EVENT TEXT` for people or one JSON object for machines.
 */
export function logLines(json: boolean): ServeLog {
  return (event, fields, text) => {
    const ts = new Date().toISOString();
    process.stdout.write(
      json
        ? `${JSON.stringify({ ts, event, ...fields, msg: text })}\n`
        : `${ts} ${event} ${text}\n`,
    );
  };
}
