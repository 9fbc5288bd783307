import { setTimeout as sleep } from 'node:timers/promises';

/** One bar's state: where it is, where it ends, and the values its format names. */
export interface ProgressFrame {
  /** Tells bars apart when a poll returns several (one per table); omit for a single bar. */
  key?: string;
  value: number;
  total: number;
  payload?: Record<string, string | number>;
}

export interface ProgressOptions<T> {
  /** The work to follow; its result is returned. */
  work: Promise<T>;
  /** Reads the current state; called before the work is awaited, every `everyMs`, and at the end. */
  poll: () => Promise<ProgressFrame | ProgressFrame[]>;
  /** The cli-progress format, e.g. `' {phase} [{bar}] {value}/{total} files'`. */
  format: string;
  /** False for `--json` and other machine output: no bar at all. */
  enabled?: boolean;
  everyMs?: number;
  /** Clear the bars when the work ends (default: they stay, showing how it ended). */
  clearOnComplete?: boolean;
}

/**
 * Waits for `work`, drawing progress bars on stderr when stderr is a terminal. Every command's
 * bars go through here, so each draws its first frame before it waits, its last frame from
 * the state after the work ended (a short run ends before the first poll), never overlaps two
 * polls, and a failed poll only skips a frame.
 *
 * @example
 * const run = await followWithProgress({
 *   work: lake.runs.wait(id),
 *   poll: async () => ({ value: 3, total: 10, payload: { phase: 'listing' } }),
 *   format: ' {phase} [{bar}] {value}/{total} files',
 * });
 */
export async function followWithProgress<T>(options: ProgressOptions<T>): Promise<T> {
  if (options.enabled === false || !process.stderr.isTTY) return options.work;
  // cli-progress is CommonJS: its default export is the module object. (Named imports of it
  // resolve to undefined under Node's ESM loader, which crashed every bar once.)
  const { default: cliProgress } = await import('cli-progress');
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: options.format,
      hideCursor: true,
      clearOnComplete: options.clearOnComplete ?? false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, ReturnType<typeof multi.create>>();
  const draw = async () => {
    const polled = await options.poll().catch(() => []);
    for (const frame of Array.isArray(polled) ? polled : [polled]) {
      const key = frame.key ?? '';
      const total = Math.max(frame.total, frame.value, 1);
      const bar = bars.get(key) ?? multi.create(total, frame.value, frame.payload);
      bars.set(key, bar);
      bar.setTotal(total);
      bar.update(frame.value, frame.payload);
    }
    // Draw now rather than on cli-progress's next tick. Never before the first bar exists:
    // an update on an idle MultiBar starts a redraw timer that stop() does not clear.
    if (bars.size > 0) multi.update();
  };
  let settled = false;
  const done = options.work.finally(() => (settled = true));
  const ticks = new AbortController();
  try {
    await draw();
    while (!settled) {
      await Promise.race([
        done.catch(() => undefined),
        sleep(options.everyMs ?? 250, undefined, { signal: ticks.signal }),
      ]);
      await draw();
    }
    return await done;
  } finally {
    ticks.abort();
    multi.stop();
  }
}
