/**
 * Histogram building on worker threads over shared memory. The packed bins, the row order,
 * the gradients and the histograms live in SharedArrayBuffers; for each node the main thread
 * sums the first part of the node's rows while each worker sums another part into its own
 * histogram, then adds the workers' histograms into its own. Jobs and completions are
 * signalled with Atomics (a store then a notify; the waiter's load then sees every write made
 * before it), so a node costs microseconds of coordination, not a message round trip.
 *
 * Tree growth stays on the main thread: it is sequential by nature and cheap next to the row
 * loops. Sums are always added in the same order (main part, then worker 1, 2, ...), so a
 * given thread count gives the same model, byte for byte.
 */
import { Worker } from 'node:worker_threads';
import { sumRows } from './histogram-kernel.js';

/** Below this many rows in a node, one thread sums it faster than it could hand work out. */
const MIN_PARALLEL_ROWS = 32_768;

// Control words, per worker: job sequence, done sequence, start, end, chosen features, gradient array, stop.
const SEQ = 0;
const DONE = 1;
const START = 2;
const END = 3;
const COUNT = 4;
const OUTPUT = 5;
const STOP = 6;
const CONTROL_WORDS = 8;

export interface PoolMemory {
  readonly packed: Uint8Array;
  readonly width: number;
  readonly order: Uint32Array;
  /** One gradient and one hessian array per output (class); all on SharedArrayBuffers. */
  readonly grad: readonly Float64Array[];
  readonly hess: readonly Float64Array[];
  /** Doubles in a histogram (bins * 2). */
  readonly histogramLength: number;
}

/** Allocates a typed array on shared memory, so worker threads see it without a copy. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}

export function sharedUint32(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(length * 4));
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const sumRows = ${sumRows.toString()};
const { control, slots, bytes, packed, width, order, grad, hess, histogram } = workerData;
let seen = 0;
for (;;) {
  Atomics.wait(control, ${SEQ}, seen);
  seen = Atomics.load(control, ${SEQ});
  if (Atomics.load(control, ${STOP}) === 1) break;
  histogram.fill(0);
  const k = control[${OUTPUT}];
  sumRows(histogram, packed, width, order, control[${START}], control[${END}], grad[k], hess[k], slots, bytes, control[${COUNT}]);
  Atomics.store(control, ${DONE}, seen);
  Atomics.notify(control, ${DONE});
}
`;

export class HistogramPool {
  readonly #workers: Worker[] = [];
  readonly #controls: Int32Array[] = [];
  readonly #histograms: Float64Array[] = [];
  /** Chosen features of the current job, shared with every worker. */
  readonly #slots: Int32Array;
  readonly #bytes: Int32Array;
  #sequence = 0;

  private constructor(
    private readonly memory: PoolMemory,
    helpers: number,
  ) {
    const shared = (n: number) => new Int32Array(new SharedArrayBuffer(n * 4));
    this.#slots = shared(memory.width);
    this.#bytes = shared(memory.width);
    for (let w = 0; w < helpers; w++) {
      const control = shared(CONTROL_WORDS);
      const histogram = sharedFloat64(memory.histogramLength);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          control,
          slots: this.#slots,
          bytes: this.#bytes,
          packed: memory.packed,
          width: memory.width,
          order: memory.order,
          grad: memory.grad,
          hess: memory.hess,
          histogram,
        },
      });
      // Blocked in Atomics.wait between jobs; it must not keep the process alive.
      worker.unref();
      this.#workers.push(worker);
      this.#controls.push(control);
      this.#histograms.push(histogram);
    }
  }

  /**
   * A pool of `threads - 1` helpers (the main thread is the first), or undefined when one
   * thread is asked for or the data is too small to gain from more. Every array of `memory`
   * must be on shared memory.
   */
  static start(memory: PoolMemory, threads: number, rows: number): HistogramPool | undefined {
    if (threads <= 1 || rows < 2 * MIN_PARALLEL_ROWS) return undefined;
    return new HistogramPool(memory, threads - 1);
  }

  /** Sums rows `order[start..end)` of output `k` into `out` (cleared first). */
  build(
    out: Float64Array,
    offsets: Int32Array,
    features: Int32Array,
    start: number,
    end: number,
    k: number,
  ): void {
    const { packed, width, order, grad, hess } = this.memory;
    const count = features.length;
    for (let i = 0; i < count; i++) {
      this.#bytes[i] = features[i]!;
      this.#slots[i] = offsets[features[i]!]! * 2;
    }
    out.fill(0);
    const rows = end - start;
    const parts = Math.min(
      this.#workers.length + 1,
      Math.max(1, Math.floor(rows / MIN_PARALLEL_ROWS)),
    );
    if (parts === 1) {
      sumRows(
        out,
        packed,
        width,
        order,
        start,
        end,
        grad[k]!,
        hess[k]!,
        this.#slots,
        this.#bytes,
        count,
      );
      return;
    }
    const cut = (p: number) => start + Math.floor((rows * p) / parts);
    const sequence = ++this.#sequence;
    for (let w = 0; w < parts - 1; w++) {
      const control = this.#controls[w]!;
      control[START] = cut(w + 1);
      control[END] = cut(w + 2);
      control[COUNT] = count;
      control[OUTPUT] = k;
      Atomics.store(control, SEQ, sequence);
      Atomics.notify(control, SEQ);
    }
    sumRows(
      out,
      packed,
      width,
      order,
      start,
      cut(1),
      grad[k]!,
      hess[k]!,
      this.#slots,
      this.#bytes,
      count,
    );
    for (let w = 0; w < parts - 1; w++) {
      const control = this.#controls[w]!;
      while (Atomics.load(control, DONE) !== sequence)
        Atomics.wait(control, DONE, Atomics.load(control, DONE));
      const histogram = this.#histograms[w]!;
      for (let f = 0; f < count; f++) {
        const from = this.#slots[f]!;
        const to = from + 2 * binsOf(offsets, features[f]!, this.memory.histogramLength);
        for (let i = from; i < to; i++) out[i]! += histogram[i]!;
      }
    }
  }

  async close(): Promise<void> {
    for (const control of this.#controls) {
      Atomics.store(control, STOP, 1);
      Atomics.add(control, SEQ, 1);
      Atomics.notify(control, SEQ);
    }
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}

/** Bins (missing included) of feature `f`: up to the next feature's offset, or the end. */
function binsOf(offsets: Int32Array, f: number, histogramLength: number): number {
  return (f + 1 < offsets.length ? offsets[f + 1]! : histogramLength / 2) - offsets[f]!;
}
