import { randomBytes } from 'node:crypto';

const RANDOM_LIMIT = 2n ** 64n;
let lastTime = 0;
let lastRandom = 0n;

/**
 * A new run id: `run_`, the creation time in base 36 (fixed width, so ids sort by time as
 * plain strings) and 64 random bits, so that workers on many machines never collide. Within
 * one process ids strictly increase, even several in one millisecond (the random part is
 * then incremented, as ULID does), so "newest first" is exact for one process's runs.
 */
export function newRunId(now = Date.now()): string {
  let time = now;
  let random: bigint;
  if (time <= lastTime && lastRandom + 1n < RANDOM_LIMIT) {
    time = lastTime;
    random = lastRandom + 1n;
  } else {
    random = randomBytes(8).readBigUInt64BE();
  }
  lastTime = time;
  lastRandom = random;
  return `run_${time.toString(36).padStart(9, '0')}${random.toString(36).padStart(13, '0')}`;
}
