import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Lake } from '../lake.js';
import { Output } from './output.js';

export interface GlobalOptions {
  lake?: string;
  json?: boolean;
  debug?: boolean;
}

/** What every command gets: the parsed global options, output, and the lake opened on demand. */
export class CliContext {
  #lake: Promise<Lake> | undefined;
  readonly output: Output;

  constructor(readonly options: GlobalOptions) {
    this.output = new Output(options.json ?? false);
  }

  static of(command: Command): CliContext {
    let root = command;
    while (root.parent) root = root.parent;
    const context = (root as Command & { lakeboxContext?: CliContext }).lakeboxContext;
    if (context) return context;
    const created = new CliContext(root.opts<GlobalOptions>());
    (root as Command & { lakeboxContext?: CliContext }).lakeboxContext = created;
    return created;
  }

  /** The lake directory: `--lake`, else `LAKEBOX_LAKE`, else the current directory. */
  get lakeDir(): string {
    return resolve(this.options.lake ?? process.env['LAKEBOX_LAKE'] ?? process.cwd());
  }

  lake(): Promise<Lake> {
    this.#lake ??= import('../lake.js').then(({ Lake }) => Lake.open(this.lakeDir));
    return this.#lake;
  }

  async close(): Promise<void> {
    if (this.#lake) await (await this.#lake.catch(() => undefined))?.close();
  }
}
