import { describe, expect, it } from 'vitest';
import { BandwidthLimiter, type LimiterClock } from '../../src/migrate/files/bandwidth-limiter.js';

/**
 * A clock that only moves when the limiter sleeps: the limiter's accounting is then exact and
 * the test never depends on how fast this machine is.
 */
function fakeClock(): LimiterClock & { time: number; sleeps: number[] } {
  const clock = {
    time: 0,
    sleeps: [] as number[],
    now: () => clock.time,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      clock.sleeps.push(ms);
      clock.time += ms;
    },
  };
  return clock;
}

async function* chunks(count: number, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size);
}

const RATE = 1000; // bytes per second, so that milliseconds and bytes read alike

describe('BandwidthLimiter', () => {
  it('lets the burst go at once, then exactly the rate', async () => {
    const clock = fakeClock();
    const limiter = new BandwidthLimiter(RATE, clock);
    const passedAt: number[] = [];
    for (let i = 0; i < 9; i++) {
      await limiter.take(250);
      passedAt.push(clock.time);
    }
    // The first quarter-second's worth is the burst; each next one waits its 250 ms.
    expect(passedAt).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  });

  it('lets a chunk larger than the burst go when the bucket is full, and makes the next pay its debt', async () => {
    const clock = fakeClock();
    const limiter = new BandwidthLimiter(RATE, clock);
    await limiter.take(1000);
    expect(clock.time).toBe(0);
    await limiter.take(250);
    // 1,250 bytes after one second: the burst plus one second at the rate, no more, no less.
    expect(clock.time).toBe(1000);
  });

  it('holds one limit for concurrent streams together, never passing more than burst + rate × time', async () => {
    const clock = fakeClock();
    const limiter = new BandwidthLimiter(RATE, clock);
    let total = 0;
    const drain = async (body: AsyncIterable<Buffer>) => {
      for await (const chunk of body) {
        total += chunk.length;
        expect(total).toBeLessThanOrEqual(limiter.burst + (RATE * clock.time) / 1000);
      }
    };
    await Promise.all([
      drain(limiter.throttle(chunks(10, 100))),
      drain(limiter.throttle(chunks(10, 100))),
      drain(limiter.throttle(chunks(4, 500))),
    ]);
    expect(total).toBe(4000);
    // Shared, the three take as long as their sum alone would: (4000 − 250) bytes at 1000/s.
    expect(clock.time).toBe(3750);
  });

  it('refills while idle, but never beyond the burst', async () => {
    const clock = fakeClock();
    const limiter = new BandwidthLimiter(RATE, clock);
    await limiter.take(250);
    clock.time += 60_000; // a minute without transfers
    await limiter.take(250);
    expect(clock.time).toBe(60_000);
    await limiter.take(250);
    expect(clock.time).toBe(60_250);
  });

  it('stops a waiting taker when its signal aborts, and still serves the takers after it', async () => {
    const clock = fakeClock();
    const limiter = new BandwidthLimiter(RATE, clock);
    await limiter.take(250);
    const aborted = AbortSignal.abort();
    await expect(limiter.take(250, aborted)).rejects.toMatchObject({ name: 'AbortError' });
    await limiter.take(250);
    expect(clock.time).toBe(250);
  });
});
