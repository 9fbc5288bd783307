/**
 * Growing one tree on binned rows. The rows of every node are a contiguous range of one index
 * array (`order`), partitioned in place as nodes split, so a node's rows are read in order and
 * the leaves' rows are at hand to update the training margins afterwards.
 *
 * Both growth orders are one loop over open leaves, differing only in which leaf splits next:
 * `depthwise` the shallowest (level by level, XGBoost's default), `lossguide` the one with the
 * largest gain (LightGBM's). Growth stops at `numLeaves`, `maxDepth`, or when no leaf has a
 * split with positive gain.
 */
import type { BinnedFeatures } from './binning.js';
import type { GbdtParams, GrowPolicy } from './gbdt-params.js';
import { buildHistogram, HistogramLayout, subtractHistogram } from './histogram.js';
import type { HistogramPool } from './histogram-pool.js';
import { findBestSplit, type Split } from './split-finder.js';

export interface GrownNode {
  readonly depth: number;
  /** Rows `order[start..end)`. */
  readonly start: number;
  readonly end: number;
  readonly grad: number;
  readonly hess: number;
  /** Set once the node has split. */
  split?: Split;
  left?: number;
  right?: number;
}

export interface GrowInput {
  readonly binned: BinnedFeatures;
  readonly layout: HistogramLayout;
  /** Features this tree may split on. */
  readonly features: Int32Array;
  /** Rows of this tree in `order[0..rows)`; reordered so each leaf's rows are contiguous. */
  readonly order: Uint32Array;
  readonly rows: number;
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  readonly params: GbdtParams;
  /** Worker threads that sum histograms, when there are any; `output` picks the gradients. */
  readonly pool?: HistogramPool;
  readonly output: number;
  /** A buffer of `rows` indices reused across trees. */
  readonly scratch: { readonly indices: Uint32Array };
}

type NextLeaf = (nodes: readonly GrownNode[], open: readonly number[]) => number;

const NEXT_LEAF: Record<GrowPolicy, NextLeaf> = {
  depthwise: (nodes, open) => argBest(open, (a, b) => nodes[a]!.depth < nodes[b]!.depth),
  lossguide: (nodes, open) =>
    argBest(open, (a, b) => nodes[a]!.split!.gain > nodes[b]!.split!.gain),
};

/** Position in `open` of the best node; ties go to the earlier node, so growth is deterministic. */
function argBest(open: readonly number[], better: (a: number, b: number) => boolean): number {
  let best = 0;
  for (let i = 1; i < open.length; i++) {
    const a = open[i]!;
    const b = open[best]!;
    if (better(a, b) || (!better(b, a) && a < b)) best = i;
  }
  return best;
}

export function growTree(input: GrowInput): GrownNode[] {
  const { binned, layout, features, order, grad, hess, params } = input;
  let rootGrad = 0;
  let rootHess = 0;
  for (let i = 0; i < input.rows; i++) {
    rootGrad += grad[order[i]!]!;
    rootHess += hess[order[i]!]!;
  }
  const nodes: GrownNode[] = [
    { depth: 0, start: 0, end: input.rows, grad: rootGrad, hess: rootHess },
  ];
  const histograms = new Map<number, Float64Array>();
  const free: Float64Array[] = [];
  const take = () => free.pop() ?? layout.allocate();
  const open: number[] = [];
  const maxLeaves = params.numLeaves || Infinity;
  const maxDepth = params.maxDepth || Infinity;

  // Finds a node's split; keeps its histogram only while it may still split.
  const consider = (id: number, histogram: Float64Array) => {
    const node = nodes[id]!;
    const split =
      node.depth < maxDepth && node.end - node.start >= 2
        ? findBestSplit(histogram, layout, binned.bins, features, node.grad, node.hess, params)
        : undefined;
    if (split) {
      node.split = split;
      histograms.set(id, histogram);
      open.push(id);
    } else free.push(histogram);
  };

  const sum = (out: Float64Array, start: number, end: number) =>
    input.pool
      ? input.pool.build(out, layout.offsets, features, start, end, input.output)
      : buildHistogram(out, layout, binned, features, order, start, end, grad, hess);
  const rootHistogram = take();
  sum(rootHistogram, 0, input.rows);
  consider(0, rootHistogram);

  let leaves = 1;
  while (open.length > 0 && leaves < maxLeaves) {
    const position = NEXT_LEAF[params.growPolicy](nodes, open);
    const id = open[position]!;
    open.splice(position, 1);
    const node = nodes[id]!;
    const split = node.split!;
    const middle = partition(
      order,
      node.start,
      node.end,
      binned.columns[split.feature]!,
      split.goesLeft,
      input.scratch.indices,
    );
    const left = nodes.length;
    const right = left + 1;
    node.left = left;
    node.right = right;
    const depth = node.depth + 1;
    nodes.push(
      { depth, start: node.start, end: middle, grad: split.leftGrad, hess: split.leftHess },
      {
        depth,
        start: middle,
        end: node.end,
        grad: node.grad - split.leftGrad,
        hess: node.hess - split.leftHess,
      },
    );
    leaves++;

    const parentHistogram = histograms.get(id)!;
    histograms.delete(id);
    const leftSmaller = middle - node.start <= node.end - middle;
    const small = leftSmaller ? left : right;
    const smallHistogram = take();
    const smallNode = nodes[small]!;
    sum(smallHistogram, smallNode.start, smallNode.end);
    // The larger child's histogram overwrites its parent's, which is no longer needed.
    subtractHistogram(
      parentHistogram,
      parentHistogram,
      smallHistogram,
      layout,
      features,
      binned.bins,
    );
    consider(left, leftSmaller ? smallHistogram : parentHistogram);
    consider(right, leftSmaller ? parentHistogram : smallHistogram);
  }
  return nodes;
}

/** Stable partition of `order[start..end)` by `goesLeft[bin]`; returns where the right side begins. */
function partition(
  order: Uint32Array,
  start: number,
  end: number,
  column: Uint8Array,
  goesLeft: Uint8Array,
  scratch: Uint32Array,
): number {
  let write = start;
  let rights = 0;
  for (let i = start; i < end; i++) {
    const row = order[i]!;
    if (goesLeft[column[row]!]) order[write++] = row;
    else scratch[rights++] = row;
  }
  order.set(scratch.subarray(0, rights), write);
  return write;
}
