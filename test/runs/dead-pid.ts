import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * The pid of a process that existed and is now gone (and reaped, so not even a zombie):
 * what a crashed worker leaves behind.
 */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const pid = child.pid;
  if (pid === undefined) throw new Error('The child process has no pid.');
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  return pid;
}
