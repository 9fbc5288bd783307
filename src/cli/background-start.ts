import { spawn } from 'node:child_process';
import { Option } from 'commander';
import { LakeError, type ErrorCode } from '../errors/lake-error.js';
import type { Run } from '../runs/run.js';

/** What the background process tells the CLI that started it, over the IPC channel. */
type StartMessage = { runId: string } | { error: { code: string; message: string } };

/** The hidden option that makes a command the detached side of `startInBackground`. */
export function backgroundChildOption(): Option {
  return new Option('--background-child').hideHelp();
}

/**
 * Runs `lakebox --lake DIR ...command --background-child` in a detached process and
 * resolves once that process has queued the run: the local executor runs a run in the
 * process that submitted it, so the run must be submitted by the process that stays. Errors
 * before the run exists (a limit, a running task) come back as the LakeError they were.
 * Every `start` of the CLI that returns before its run ends goes through here.
 *
 * @example const { runId } = await startInBackground(lakeDir, ['sync', 'start', 'invoices'], 'sync task invoices');
 */
export function startInBackground(
  lakeDir: string,
  command: string[],
  what: string,
): Promise<{ runId: string; pid: number }> {
  const args = [process.argv[1]!, '--lake', lakeDir, ...command, '--background-child'];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: StartMessage) => {
      child.off('exit', onExit);
      child.disconnect();
      child.unref();
      if ('runId' in message) resolve({ runId: message.runId, pid: child.pid! });
      else reject(new LakeError(message.error.code as ErrorCode, message.error.message));
    });
    const onExit = (code: number | null) =>
      reject(
        new LakeError(
          'INTERNAL',
          `The background process for ${what} exited (code ${code}) before starting the run; run it with --wait to see why.`,
        ),
      );
    child.once('exit', onExit);
    child.once('error', reject);
  });
}

/**
 * The detached side of `startInBackground`: submits the run, reports its id (or the error
 * that kept it from existing) to the parent, then keeps the process until the run has ended.
 */
export async function runForParent(
  start: () => Promise<Run>,
  wait: (runId: string) => Promise<unknown>,
): Promise<void> {
  let message: StartMessage;
  let run: Run | undefined;
  try {
    run = await start();
    message = { runId: run.id };
  } catch (error) {
    const { code, message: text } =
      error instanceof LakeError ? error : { code: 'INTERNAL', message: String(error) };
    message = { error: { code, message: text } };
  }
  // Without a channel (started by hand) there is nobody to tell; the run still runs.
  if (process.send) {
    const send = process.send.bind(process);
    await new Promise<void>((resolve) => send(message, () => resolve()));
    process.disconnect();
  }
  if (run) await wait(run.id);
}
