import Table from 'cli-table3';
import { jsonReplacer } from '../engine/json-replacer.js';
import { ClosedPipe } from './closed-pipe.js';

/** Writes what commands print; `--json` switches every command to machine-readable JSON. */
export class Output {
  readonly #pipe: ClosedPipe;

  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {
    this.#pipe = ClosedPipe.of(stdout);
  }

  /** True once the reader of stdout has gone (`| head`): what is written now is dropped. */
  get closed(): boolean {
    return this.#pipe.closed;
  }

  line(text = ''): void {
    this.#put(`${text}\n`);
  }

  /** JSON on one line per value, for `--json` and `--format json`. */
  data(value: unknown): void {
    this.#put(`${JSON.stringify(value, jsonReplacer)}\n`);
  }

  /**
   * Writes `text` and resolves once stdout can take more, so that a command streaming a
   * large result holds about one chunk in memory however slow the reader; resolves at once
   * if the reader has gone.
   */
  async write(text: string): Promise<void> {
    if (this.#put(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stdout.off('drain', done);
        this.stdout.off('close', done);
        this.stdout.off('error', done);
        resolve();
      };
      this.stdout.on('drain', done);
      this.stdout.on('close', done);
      this.stdout.on('error', done);
    });
  }

  /** Writes unless the reader has gone; false when stdout's buffer is full. */
  #put(text: string): boolean {
    if (this.closed) return true;
    return this.stdout.write(text);
  }

  /** A table for people; with `--json`, the rows as a JSON array instead. */
  table(rows: Array<Record<string, unknown>>, columns?: string[]): void {
    if (this.json) return this.data(rows);
    const head = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
    if (head.length === 0) return;
    const table = new Table({ head, style: { head: [], border: [] } });
    for (const row of rows) table.push(head.map((h) => cell(row[h])));
    this.line(table.toString());
  }

  /** Key-value pairs for people (a `describe` view); with `--json`, the object. */
  fields(title: string | undefined, value: Record<string, unknown>): void {
    if (this.json) return this.data(value);
    if (title) this.line(title);
    const width = Math.max(...Object.keys(value).map((k) => k.length));
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      this.line(`  ${key.padEnd(width)}  ${cell(v)}`);
    }
  }
}

export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value, jsonReplacer);
  return String(value);
}

/** One CSV record (RFC 4180), with its line break. */
export function csvLine(values: unknown[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

function csvField(value: unknown): string {
  const text = cell(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
