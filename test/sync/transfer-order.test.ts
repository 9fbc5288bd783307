import { describe, expect, it } from 'vitest';
import { acrossFolders } from '../../src/migrate/files/transfer-order.js';

const paths = (entries: { path: string }[]) => entries.map((entry) => entry.path);

describe('acrossFolders', () => {
  it('takes one file from each folder in turn, each file once', () => {
    const listed = ['a/1', 'a/2', 'a/3', 'b/1', 'top', 'c/d/1', 'c/d/2', 'c/1'].map((path) => ({
      path,
    }));
    expect(paths(acrossFolders(listed))).toEqual([
      'a/1',
      'b/1',
      'top',
      'c/d/1',
      'c/1',
      'a/2',
      'c/d/2',
      'a/3',
    ]);
  });

  it('leaves a single folder in its order', () => {
    const listed = ['x/3', 'x/1', 'x/2'].map((path) => ({ path }));
    expect(paths(acrossFolders(listed))).toEqual(['x/3', 'x/1', 'x/2']);
    expect(acrossFolders([])).toEqual([]);
  });

  it('orders a lopsided tree: one folder of 50,000 files beside 50,000 of one file', () => {
    const listed = [
      ...Array.from({ length: 50_000 }, (_, i) => ({ path: `big/${i}` })),
      ...Array.from({ length: 50_000 }, (_, i) => ({ path: `f${i}/x` })),
    ];
    const ordered = acrossFolders(listed);
    expect(ordered).toHaveLength(100_000);
    expect(new Set(ordered).size).toBe(100_000);
    expect(paths(ordered.slice(0, 3))).toEqual(['big/0', 'f0/x', 'f1/x']);
    expect(ordered.at(-1)!.path).toBe('big/49999');
  });
});
