// The benchmark's data set on disk: one raw little-endian file per column, so the Lakebox
// process and the Python anchors load exactly the same values the same way (no parser in
// either timing). Written once by bench/ml.ts from the vega-datasets flights-3m Parquet.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const NUMERIC = ['hour', 'weekday', 'month', 'distance'] as const;
export const CATEGORICAL = ['origin', 'destination'] as const;

export interface FlightsColumns {
  readonly rows: number;
  readonly numeric: Record<(typeof NUMERIC)[number], Float64Array>;
  /** Codes into `levels` (0-based, dense). */
  readonly categorical: Record<(typeof CATEGORICAL)[number], Int32Array>;
  readonly levels: Record<(typeof CATEGORICAL)[number], string[]>;
  /** 1 when the delay is over 15 minutes. */
  readonly label: Float64Array;
  /** 1 for the 20% held out to test. */
  readonly test: Uint8Array;
}

const view = <T>(
  buffer: Buffer,
  make: (b: ArrayBuffer, o: number, n: number) => T,
  width: number,
) =>
  make(
    buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer,
    0,
    buffer.byteLength / width,
  );

export async function loadFlightsColumns(dir: string): Promise<FlightsColumns> {
  const f64 = async (name: string) =>
    view(await readFile(join(dir, `${name}.f64`)), (b, o, n) => new Float64Array(b, o, n), 8);
  const i32 = async (name: string) =>
    view(await readFile(join(dir, `${name}.i32`)), (b, o, n) => new Int32Array(b, o, n), 4);
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as {
    rows: number;
    levels: Record<(typeof CATEGORICAL)[number], string[]>;
  };
  return {
    rows: meta.rows,
    numeric: {
      hour: await f64('hour'),
      weekday: await f64('weekday'),
      month: await f64('month'),
      distance: await f64('distance'),
    },
    categorical: { origin: await i32('origin'), destination: await i32('destination') },
    levels: meta.levels,
    label: await f64('label'),
    test: new Uint8Array(await readFile(join(dir, 'test.u8'))),
  };
}
