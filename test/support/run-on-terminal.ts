import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliResult } from './run-cli.js';

const BIN = fileURLToPath(new URL('../../bin/lakebox.js', import.meta.url));

/** Shell-quotes one word for `script -c`. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs the built `lakebox` CLI on a real pseudo-terminal (util-linux `script`), as a user at
 * a terminal would: stdout and stderr are the terminal, so progress bars draw. `stdout` holds
 * everything the terminal showed, escape sequences included; `code` is the CLI's exit code.
 */
export function runOnTerminal(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; columns?: number } = {},
): Promise<CliResult> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(
      'script',
      ['-qec', `stty cols ${options.columns ?? 120}; ${command}`, '/dev/null'],
      {
        env: { ...process.env, LAKEBOX_LAKE: '', TERM: 'xterm', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
