import { describe, expect, it } from 'vitest';
import type { LakeEvent } from '../../src/events/event-log.js';
import { certainLoop } from '../../src/triggers/loop-check.js';
import { checkTemplate, deliveredEvent, renderTemplate } from '../../src/triggers/trigger-input.js';
import { checkPattern, patternMatcher } from '../../src/triggers/trigger-pattern.js';
import { parseTarget } from '../../src/triggers/trigger-target.js';

function event(type: string, payload: Record<string, unknown>, id = 1): LakeEvent {
  return {
    id,
    type,
    subject: null,
    payload,
    createdAt: new Date('2026-12-07T10:00:00Z'),
    source: 'lake',
    chainDepth: 0,
    position: { tx: 0, id },
  };
}

describe('trigger patterns', () => {
  it('match on type wildcards, zone, prefix within the zone, suffix, table and status', () => {
    const csvInSales = patternMatcher(
      checkPattern({ type: 'object.*', zone: 'raw', prefix: 'sales/', suffix: '.csv' }),
    );
    expect(csvInSales(event('object.created', { key: 'raw/sales/day.csv' }))).toBe(true);
    expect(csvInSales(event('object.removed', { key: 'raw/sales/2026/day.csv' }))).toBe(true);
    expect(csvInSales(event('object.created', { key: 'raw/sales/day.json' }))).toBe(false);
    expect(csvInSales(event('object.created', { key: 'processed/sales/day.csv' }))).toBe(false);
    expect(csvInSales(event('object.created', { key: 'raw/salesman/day.csv' }))).toBe(false);
    expect(csvInSales(event('table.committed', { table: 'raw.sales' }))).toBe(false);

    const fullKeyPrefix = patternMatcher(
      checkPattern({ type: 'object.created', prefix: 'raw/in/' }),
    );
    expect(fullKeyPrefix(event('object.created', { key: 'raw/in/a' }))).toBe(true);
    expect(fullKeyPrefix(event('object.created', { key: 'curated/in/a' }))).toBe(false);

    const anyOrdersTable = patternMatcher(checkPattern({ type: 'table.*', table: 'Sales.*' }));
    expect(anyOrdersTable(event('table.committed', { table: 'sales.orders' }))).toBe(true);
    expect(anyOrdersTable(event('table.created', { table: 'crm.orders' }))).toBe(false);

    const failedRuns = patternMatcher(checkPattern({ type: 'run.*', status: 'failed' }));
    expect(failedRuns(event('run.failed', { status: 'failed', kind: 'job' }))).toBe(true);
    expect(failedRuns(event('run.succeeded', { status: 'succeeded' }))).toBe(false);

    // The dispatcher's own events never reach a trigger, even through `*`.
    expect(patternMatcher(checkPattern({ type: 'object.*' }))(event('trigger.delivered', {}))).toBe(
      false,
    );
  });

  it('refuse what cannot match, with one clear line each', () => {
    const refusal = (pattern: Parameters<typeof checkPattern>[0]) => {
      try {
        checkPattern(pattern);
      } catch (error) {
        return (error as { code: string; message: string }).code + ': ' + (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ type: 'object.made' })).toMatch(
      /^INVALID_ARGUMENT: No event type matches "object.made"/,
    );
    expect(refusal({ type: 'Object Created' })).toMatch(/^INVALID_ARGUMENT: Event type pattern/);
    expect(refusal({ type: 'trigger.*' })).toMatch(/own events/);
    expect(refusal({ type: 'object.created', zone: 'lake' })).toMatch(/Zone "lake" does not exist/);
    expect(refusal({ type: 'table.committed', suffix: '.csv' })).toMatch(
      /suffix filter looks at objects/,
    );
    expect(refusal({ type: 'object.created', status: 'failed' })).toMatch(
      /status filter looks at runs/,
    );
    expect(refusal({ type: 'table.*', table: 'orders' })).toMatch(/DATABASE.TABLE/);
    expect(refusal({ type: 'object.created', zone: 'raw', prefix: '/sales' })).toMatch(
      /starts with "\/"/,
    );
  });

  it('parse targets as KIND:NAME', () => {
    expect(parseTarget('function:start-transform')).toEqual({
      kind: 'function',
      name: 'start-transform',
    });
    expect(() => parseTarget('lambda:x')).toThrow(/KIND:NAME with KIND one of function, job/);
    expect(() => parseTarget('job:')).toThrow(/KIND:NAME/);
  });
});

describe('input templates', () => {
  it('fill placeholders from the event, keeping the type of a whole placeholder', () => {
    const template = checkTemplate(
      '{"file":"${detail.key}","size":"${detail.size}","note":"event ${id} at ${time}","missing":"${detail.nope}","list":["${type}"]}',
    );
    const delivered = deliveredEvent(event('object.created', { key: 'raw/a.csv', size: 12 }, 42));
    expect(renderTemplate(template, delivered)).toEqual({
      file: 'raw/a.csv',
      size: 12,
      note: 'event 42 at 2026-12-07T10:00:00.000Z',
      missing: null,
      list: ['object.created'],
    });
  });

  it('refuse text that is not JSON and placeholders that name nothing', () => {
    expect(() => checkTemplate('{file: raw}')).toThrow(/input template is not JSON/);
    expect(() => checkTemplate('{"f":"${payload.key}"}')).toThrow(/names \$\{payload.key\}/);
  });
});

describe('certain loops', () => {
  const none = { tables: [], objects: [], types: [], takesInput: true };
  it('are found where the target writes what the pattern takes', () => {
    const jobEffects = {
      ...none,
      tables: ['processed.sales'],
      objects: [{ prefix: 'processed/processed/sales/', suffix: '.parquet' }],
    };
    expect(
      certainLoop(checkPattern({ type: 'table.committed', table: 'processed.sales' }), jobEffects),
    ).toMatch(/writes processed.sales/);
    expect(certainLoop(checkPattern({ type: 'table.*' }), jobEffects)).toBeDefined();
    expect(
      certainLoop(checkPattern({ type: 'object.created', zone: 'processed' }), jobEffects),
    ).toMatch(/writes objects under processed\/processed\/sales\//);
    expect(
      certainLoop(checkPattern({ type: 'table.committed', table: 'raw.sales' }), jobEffects),
    ).toBeUndefined();
    expect(
      certainLoop(
        checkPattern({ type: 'object.created', zone: 'processed', suffix: '.csv' }),
        jobEffects,
      ),
    ).toBeUndefined();

    const syncEffects = { ...none, objects: [{ prefix: 'raw/sales/' }] };
    expect(
      certainLoop(
        checkPattern({ type: 'object.created', zone: 'raw', prefix: 'sales/' }),
        syncEffects,
      ),
    ).toBeDefined();
    // Only some of what the sync writes might match: not certain, left to the chain depth.
    expect(
      certainLoop(
        checkPattern({ type: 'object.created', zone: 'raw', prefix: 'sales/', suffix: '.csv' }),
        syncEffects,
      ),
    ).toBeUndefined();

    const crawlerEffects = { ...none, tables: ['raw.*'] };
    expect(
      certainLoop(checkPattern({ type: 'table.updated', table: 'raw.orders' }), crawlerEffects),
    ).toBeUndefined();
    expect(
      certainLoop(checkPattern({ type: 'table.updated', table: 'raw.*' }), crawlerEffects),
    ).toBeDefined();

    // Every run is queued and runs: a trigger on those starts itself, whatever the target.
    expect(certainLoop(checkPattern({ type: 'run.*' }), none)).toMatch(/run.queued/);
    expect(certainLoop(checkPattern({ type: 'run.failed' }), none)).toBeUndefined();
  });
});
