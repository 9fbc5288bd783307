import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LakeEvent } from '../../src/events/event-log.js';
import type { Lake } from '../../src/lake.js';
import { serve } from '../../src/server/serve.js';
import { eventually } from '../support/cli-process.js';
import { tempLake } from '../support/temp-lake.js';

describe("serve's event dispatcher hook on a durable consumer", () => {
  let lake: Lake;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ lake, cleanup } = await tempLake());
  });
  afterEach(() => cleanup());

  it('a restarted serve hands its handlers the events appended while it was down, each once', async () => {
    const seen: LakeEvent[] = [];
    const start = () =>
      serve(lake, {
        port: 0,
        eventConsumer: 'test-dispatcher',
        eventHandlers: [(event) => void (event.type === 'object.created' && seen.push(event))],
        log: () => undefined,
      });
    let running = await start();
    // A new consumer starts at the log's head: wait until it has taken its place.
    await eventually(
      async () =>
        (await lake.events.consumers()).some((c) => c.name === 'test-dispatcher') || undefined,
      'the consumer cursor',
    );
    await lake.services.store.put('raw/while-up.txt', 'a');
    await eventually(async () => (seen.length === 1 ? true : undefined), 'the first event');
    await running.stop();

    await lake.services.store.put('raw/while-down.txt', 'b');
    running = await start();
    await lake.services.store.put('raw/after-restart.txt', 'c');
    await eventually(async () => (seen.length >= 3 ? true : undefined), 'three events');
    await running.stop();
    expect(seen.map((event) => event.subject)).toEqual([
      'raw/while-up.txt',
      'raw/while-down.txt',
      'raw/after-restart.txt',
    ]);
  });
});
