import { describe, expect, it } from 'vitest';
import { CallbackQueue } from '../../src/concurrency/callback-queue.js';

describe('CallbackQueue', () => {
  it('runs at most `limit` operations at once, the rest in order as slots free', async () => {
    const queue = new CallbackQueue(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await new Promise<void>((resolve) => {
      let left = 20;
      for (let i = 0; i < 20; i++) {
        queue.run((done) => {
          started.push(i);
          most = Math.max(most, ++running);
          // Finish in a later turn, in an order unlike the start order.
          setTimeout(
            () => {
              running -= 1;
              done();
              if (--left === 0) resolve();
            },
            (i * 7) % 5,
          );
        });
      }
    });
    expect(most).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('starts an operation at once while a slot is free, and frees slots for later ones', () => {
    const queue = new CallbackQueue(1);
    const log: string[] = [];
    queue.run((done) => {
      log.push('a');
      done();
    });
    queue.run((done) => {
      log.push('b');
      queue.run(() => log.push('c')); // waits: b holds the only slot
      expect(log).toEqual(['a', 'b']);
      done();
    });
    expect(log).toEqual(['a', 'b', 'c']);
  });
});
