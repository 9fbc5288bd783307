import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/lakebox.js', import.meta.url));

/** A long-running `lakebox` process (worker, serve) whose stdout lines a test can await. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves with the first stdout line (past or future) that `match` accepts. */
  line(match: (line: string) => boolean, what?: string): Promise<string>;
  /** Resolves with the first JSON stdout object whose `event` is `event` and that `match` accepts. */
  event(
    event: string,
    match?: (value: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | NodeJS.Signals>;
  stderr(): string;
}

/** Starts the built `lakebox` CLI (bin/lakebox.js) with `args`, as a user would. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LAKEBOX_LAKE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? -1);
      for (const wake of waiters) wake();
    }),
  );
  const line = (match: (line: string) => boolean, what = 'a matching line') =>
    new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(match);
        if (found !== undefined) {
          waiters.delete(check);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(
            new Error(
              `lakebox ${args[0]} exited before printing ${what}: ${stderr}\n${lines.join('\n')}`,
            ),
          );
        }
      };
      waiters.add(check);
      check();
    });
  const parse = (text: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  return {
    child,
    lines,
    line,
    async event(event, match = () => true) {
      const found = await line((text) => {
        const value = parse(text);
        return value?.['event'] === event && match(value);
      }, `event ${event}`);
      return parse(found)!;
    },
    exited,
    stderr: () => stderr,
  };
}

/** Polls `probe` until it returns a value other than undefined; fails after `deadlineMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  deadlineMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`Gave up waiting for ${what} after ${deadlineMs} ms`);
    await sleep(50);
  }
}
