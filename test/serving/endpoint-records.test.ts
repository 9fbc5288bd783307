import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { seededRandom } from '../../src/ml/features/seeded-random.js';
import { tempLake } from '../support/temp-lake.js';
import { RECORD, trainDelay } from './fixtures.js';

describe('endpoint records and the endpoint host', () => {
  let lake: Lake;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ lake, cleanup } = await tempLake());
    await trainDelay(lake);
  }, 120_000);
  afterAll(() => cleanup());

  it('creates, lists, updates and deletes endpoints, with events, checking every model ref', async () => {
    const created = await lake.endpoints.create('Delay', {
      variants: [{ name: 'main', model: 'delay:1', weight: 3 }, { model: 'delay:2' }],
      shadow: { model: 'delay' },
    });
    expect(created).toMatchObject({
      name: 'delay',
      variants: [
        { name: 'main', model: 'delay:1', weight: 3 },
        { name: 'variant-2', model: 'delay:2', weight: 1 },
      ],
      shadow: { name: 'shadow', model: 'delay' },
      instances: 1,
    });
    expect((await lake.endpoints.list()).map((e) => e.name)).toEqual(['delay']);
    await expect(
      lake.endpoints.create('delay', { variants: [{ model: 'delay:1' }] }),
    ).rejects.toMatchObject({ code: 'ENDPOINT_EXISTS' });
    await expect(lake.endpoints.get('dealy')).rejects.toMatchObject({
      code: 'ENDPOINT_NOT_FOUND',
      message: expect.stringContaining('Did you mean delay?'),
    });

    const bad: Array<[Parameters<Lake['endpoints']['create']>[1], string]> = [
      [{ variants: [] }, 'INVALID_ARGUMENT'],
      [{ variants: [{ model: 'nosuch:1' }] }, 'MODEL_NOT_FOUND'],
      [{ variants: [{ model: 'delay:9' }] }, 'MODEL_VERSION_NOT_FOUND'],
      [{ variants: [{ model: 'delay@production' }] }, 'MODEL_VERSION_NOT_FOUND'],
      [{ variants: [{ model: 'delay:1', weight: 0 }] }, 'INVALID_ARGUMENT'],
      [{ variants: [{ model: 'delay:1', weight: -2 }] }, 'INVALID_ARGUMENT'],
      [
        {
          variants: [
            { name: 'a', model: 'delay:1' },
            { name: 'a', model: 'delay:2' },
          ],
        },
        'INVALID_ARGUMENT',
      ],
      [
        { variants: [{ name: 'a', model: 'delay:1' }], shadow: { name: 'a', model: 'delay:2' } },
        'INVALID_ARGUMENT',
      ],
    ];
    for (const [config, code] of bad)
      await expect(
        lake.endpoints.create('other', config),
        JSON.stringify(config),
      ).rejects.toMatchObject({ code });
    await expect(
      lake.endpoints.create('bad name', { variants: [{ model: 'delay:1' }] }),
    ).rejects.toMatchObject({ code: 'INVALID_IDENTIFIER' });

    const updated = await lake.endpoints.update('delay', { shadow: null });
    expect(updated.shadow).toBeNull();
    expect(updated.variants).toHaveLength(2);
    await expect(
      lake.endpoints.update('delay', { variants: [{ model: 'delay:7' }] }),
    ).rejects.toMatchObject({ code: 'MODEL_VERSION_NOT_FOUND' });
    await expect(lake.endpoints.update('nosuch', { shadow: null })).rejects.toMatchObject({
      code: 'ENDPOINT_NOT_FOUND',
    });
    await lake.endpoints.delete('delay');
    await expect(lake.endpoints.delete('delay')).rejects.toMatchObject({
      code: 'ENDPOINT_NOT_FOUND',
    });
    const events = await lake.listEvents({ type: 'endpoint.*' });
    expect(events.map((e) => e.type)).toEqual([
      'endpoint.created',
      'endpoint.updated',
      'endpoint.deleted',
    ]);
  });

  it('serves what lake.ml.predict gives, splits traffic by weight, mirrors to the shadow, and validates input', async () => {
    await lake.endpoints.create('split', {
      variants: [
        { name: 'a', model: 'delay:1', weight: 3 },
        { name: 'b', model: 'delay:2', weight: 1 },
      ],
      shadow: { name: 'shadow', model: 'delay:2' },
    });
    const host = lake.endpoints.host({ only: 'split', random: seededRandom(7), pollMs: 60_000 });
    await host.start();
    try {
      expect(host.serving()).toEqual(['split']);
      const records = [
        RECORD,
        { hour: 3, distance: 150, origin: 'SFO' },
        { hour: null, distance: 400, origin: 'unseen' },
      ];
      const byVariant = new Map<string, number>();
      for (let i = 0; i < 400; i++) {
        const answer = await host.invoke('split', { json: records });
        byVariant.set(answer.variant, (byVariant.get(answer.variant) ?? 0) + 1);
        if (i < 20) {
          const expected = await lake.ml.predict(`delay:${answer.version}`, records);
          expect(answer.probabilities!.map((p) => p[1]!)).toEqual(
            Array.from(expected.values).map((v) => expect.closeTo(v, 12)),
          );
          expect(answer.predictions).toEqual(
            Array.from(expected.values).map((v) => (v >= 0.5 ? '1' : '0')),
          );
          expect(answer.classes).toEqual(['0', '1']);
        }
      }
      // 3:1 by weight: 300 of 400 expected; a seeded split stays near it.
      expect(byVariant.get('a')! / 400).toBeGreaterThan(0.68);
      expect(byVariant.get('a')! / 400).toBeLessThan(0.82);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const shadow = host.traffic('split').find((t) => t.shadow)!;
      expect(shadow).toMatchObject({ variant: 'shadow', requests: 400, errors: 0 });

      const columns = await host.invoke('split', {
        json: { columns: { hour: [20, 3], distance: [900, 150], origin: ['JFK', 'SFO'] } },
      });
      expect(columns.predictions).toHaveLength(2);
      const csv = await host.invoke('split', {
        csv: 'hour,distance,origin\n20,900,JFK\n3,150,"SFO"\n',
      });
      expect(csv.predictions).toHaveLength(2);

      await expect(
        host.invoke('split', { json: { hour: 3, origin: 'SFO' } }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { missing: ['distance'] },
      });
      await expect(
        host.invoke('split', { json: { ...RECORD, distance: 'far' } }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { field: 'distance', expected: 'a number' },
      });
      await expect(host.invoke('split', { json: undefined })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(
        host.invoke('split', { csv: 'hour,distance,origin\n1,x,SFO\n' }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { line: 2, field: 'distance' },
      });
      await expect(host.invoke('nosuch', { json: RECORD })).rejects.toMatchObject({
        code: 'ENDPOINT_NOT_FOUND',
      });
      const status = await lake.endpoints.status('split');
      expect(status.deployment).toMatchObject({ state: 'serving', error: null });
      expect(status.deployment!.serving!.map((v) => `${v.name}=${v.model}:${v.version}`)).toEqual([
        'a=delay:1',
        'b=delay:2',
        'shadow=delay:2',
      ]);
      expect(status.traffic!.find((t) => t.variant === 'a')!.errors).toBeGreaterThan(0);
    } finally {
      await host.stop();
    }
    const once = await lake.endpoints.invoke('split', { json: RECORD });
    expect(['a', 'b']).toContain(once.variant);
  });

  it('captures a sampled share of requests into endpoints.<name>_capture in batches; when the writer falls behind it drops and counts', async () => {
    await lake.endpoints.create('cap', {
      variants: [{ name: 'main', model: 'delay:1' }],
      capture: { sample: 1 },
    });
    await expect(
      lake.endpoints.create('cap2', { variants: [{ model: 'delay:1' }], capture: { sample: 0 } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const host = lake.endpoints.host({ only: 'cap', pollMs: 60_000, captureFlushMs: 50 });
    await host.start();
    for (let i = 0; i < 30; i++)
      await host.invoke('cap', { json: [RECORD, { ...RECORD, hour: i % 24 }] });
    await host.stop();
    const rows = (
      await lake.query(
        'select variant, model, version, latency_ms, request, prediction, probabilities, time from endpoints.cap_capture',
      )
    ).rows();
    expect(rows).toHaveLength(60);
    expect(rows[0]).toMatchObject({ variant: 'main', model: 'delay', version: 1 });
    expect(JSON.parse(rows[0]!['request'] as string)).toEqual(RECORD);
    expect(JSON.parse(rows[0]!['probabilities'] as string)).toHaveLength(2);
    expect((await lake.listTables('endpoints')).length).toBe(1);
    expect((await lake.history('endpoints.cap_capture')).length).toBeLessThan(30);

    // The writer far behind (no flush in the test's time): the buffer holds 5, the rest drop.
    const behind = lake.endpoints.host({
      only: 'cap',
      pollMs: 60_000,
      captureFlushMs: 60_000,
      captureMaxPending: 5,
    });
    await behind.start();
    const started = performance.now();
    for (let i = 0; i < 20; i++) await behind.invoke('cap', { json: RECORD });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(behind.captureStats('cap')).toMatchObject({
      sampled: 20,
      pending: 5,
      dropped: 15,
      written: 0,
    });
    expect((await lake.endpoints.status('cap')).capture).toMatchObject({ dropped: 15 });
    await behind.stop();
    const count = (await lake.query('select count(*) as n from endpoints.cap_capture')).rows();
    expect(Number(count[0]!['n'])).toBe(65);
  });
});
