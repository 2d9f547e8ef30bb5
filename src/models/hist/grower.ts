/**
 * Grows one gradient tree leaf-wise (best first), as scikit-learn 1.2's TreeGrower: the root's histograms
 * are built from all rows; the splittable node with the largest gain is split next (a binary heap with
 * Python heapq's exact sift order, so ties between equal gains resolve as in sklearn); of its two children
 * only the smaller one's histograms are built from its rows, the larger one's are the parent's minus the
 * smaller's; growth stops at maxLeafNodes leaves, at maxDepth, below 2 * minSamplesLeaf rows, or when no
 * split has a positive gain. Leaf values are -G / (H + l2) times the learning rate.
 *
 * The histogram builds and split searches go through a `SplitExecutor`, which runs them in this thread or
 * shares the features with a worker thread (pool.ts); both give the same result bit for bit.
 */
import {
  type FeatureMeta,
  findBestSplit,
  MIN_HESSIAN_TO_SPLIT,
  type NodeStats,
  nodeValue,
  S_BIN,
  S_BITSET,
  S_CATEGORICAL,
  S_FEATURE,
  S_GAIN,
  S_GRAD_LEFT,
  S_HESS_LEFT,
  S_MISSING_LEFT,
  SPLIT_SIZE,
  type SplitParams,
} from "./split.js";
import type { Workspace } from "./workspace.js";

export interface GrowParams extends SplitParams {
  maxLeafNodes: number | null;
  maxDepth: number | null;
  learningRate: number;
}

/** A fitted tree in preorder (node 0 the root, then its left subtree, then its right one), like sklearn's predictor nodes. */
export interface HistTree {
  nodeCount: number;
  /** Split feature; -1 for leaves. */
  feature: Int32Array;
  /** Numeric splits: bins <= binThreshold go left. */
  binThreshold: Int32Array;
  /** Where missing values (and unknown categories) go. */
  missingLeft: Uint8Array;
  /** Categorical splits: index into `bitsets` (8 uint32 words each, the bins that go left); -1 otherwise. */
  categorySet: Int32Array;
  bitsets: Uint32Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaves: the value added to the raw prediction (learning rate applied); inner nodes: -G / (H + l2). */
  value: Float64Array;
  /** Training rows that reached the node. */
  count: Int32Array;
  /** Loss reduction of the node's split (second-order: GL²/(HL+l2) + GR²/(HR+l2) - G²/(H+l2)); 0 for leaves. */
  gain: Float64Array;
  depth: Int32Array;
}

/** Runs the histogram builds and split searches of one tree. Results land in `ws.results`. */
export interface SplitExecutor {
  /** Histograms of all rows into `slot`, then the best split of the root into results[0..SPLIT_SIZE). */
  root(gh: number, slot: number, stats: NodeStats): void;
  /**
   * Histograms of the smaller child (rows idx[start, start + count)) into `smallSlot`, the parent's
   * `parentSlot` minus them in place (the larger child), then the best split of the left child into
   * results[0..) and of the right child into results[SPLIT_SIZE..) for those not null.
   */
  children(
    gh: number,
    parentSlot: number,
    smallSlot: number,
    start: number,
    count: number,
    leftIsSmall: boolean,
    left: NodeStats | null,
    right: NodeStats | null,
  ): void;
  /**
   * Stable partition of idx[start, start + count) by feature f's bins against ws.bitset (the bins that go
   * left); returns how many went left.
   */
  partition(f: number, start: number, count: number): number;
}

/** Both steps in this thread, over every feature. */
export function localExecutor(ws: Workspace, meta: FeatureMeta, params: SplitParams): SplitExecutor {
  const { kernels: k, layout } = ws;
  const p = layout.nFeatures;
  const n = layout.nRows;
  return {
    root(gh, slot, stats) {
      k.histogramAll(layout.bins, n, 0, p, gh, 0, n, ws.slotOffset(slot), layout.nBins, meta.missingBin);
      findBestSplit(ws.hist, ws.slotBase(slot), 0, p, stats, meta, params, ws.results, 0);
    },
    children(gh, parentSlot, smallSlot, start, count, leftIsSmall, left, right) {
      const small = ws.slotOffset(smallSlot);
      k.histogramRows(
        layout.bins,
        n,
        0,
        p,
        gh,
        layout.idx + 4 * start,
        count,
        small,
        layout.nBins,
        meta.missingBin,
      );
      const parent = ws.slotOffset(parentSlot);
      k.subtract(parent, small, parent, 0, p, layout.nBins, meta.missingBin);
      const leftSlot = leftIsSmall ? smallSlot : parentSlot;
      const rightSlot = leftIsSmall ? parentSlot : smallSlot;
      if (left) findBestSplit(ws.hist, ws.slotBase(leftSlot), 0, p, left, meta, params, ws.results, 0);
      if (right)
        findBestSplit(ws.hist, ws.slotBase(rightSlot), 0, p, right, meta, params, ws.results, SPLIT_SIZE);
    },
    partition(f, start, count) {
      return k.partition(layout.bins + f * n, layout.idx, start, count, layout.bitset, layout.tmp);
    },
  };
}

interface GrowNode {
  depth: number;
  start: number;
  count: number;
  sumG: number;
  sumH: number;
  value: number;
  slot: number;
  split: Float64Array | null;
  /** sklearn's gain (the heap key); at the root it omits the parent's loss. */
  heapGain: number;
  missingLeft: number;
  isLeaf: boolean;
  left: GrowNode | null;
  right: GrowNode | null;
}

/** Python heapq with `a < b` meaning a.gain > b.gain (TreeNode.__lt__), sift for sift. */
class NodeHeap {
  readonly items: GrowNode[] = [];
  #less = (a: GrowNode, b: GrowNode): boolean => a.heapGain > b.heapGain;

  push(node: GrowNode): void {
    this.items.push(node);
    this.#siftDown(0, this.items.length - 1);
  }

  pop(): GrowNode {
    const last = this.items.pop()!;
    if (this.items.length === 0) return last;
    const top = this.items[0];
    this.items[0] = last;
    this.#siftUp(0);
    return top;
  }

  #siftDown(start: number, pos: number): void {
    const h = this.items;
    const item = h[pos];
    while (pos > start) {
      const parentPos = (pos - 1) >> 1;
      const parent = h[parentPos];
      if (this.#less(item, parent)) {
        h[pos] = parent;
        pos = parentPos;
        continue;
      }
      break;
    }
    h[pos] = item;
  }

  #siftUp(pos: number): void {
    const h = this.items;
    const end = h.length;
    const start = pos;
    const item = h[pos];
    let child = 2 * pos + 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !this.#less(h[child], h[right])) child = right;
      h[pos] = h[child];
      pos = child;
      child = 2 * pos + 1;
    }
    h[pos] = item;
    this.#siftDown(start, pos);
  }
}

export interface GrowInput {
  ws: Workspace;
  /** Byte offset of this tree's gradient/hessian pairs. */
  gh: number;
  /** Hessians are 1 for every row (squared and absolute error): the root's hessian sum is the row count. */
  constantHessian: boolean;
  meta: FeatureMeta;
  params: GrowParams;
  exec: SplitExecutor;
}

export interface GrownTree {
  tree: HistTree;
  /** Per leaf (in preorder): its first position in `ws.idx` and row count, for updating predictions. */
  leafStart: Int32Array;
  leafCount: Int32Array;
  /** Node index of each leaf in the tree arrays. */
  leafNode: Int32Array;
}

/** Grows one tree on the rows of `ws` (the partition is reset to 0..n-1). */
export function growTree(input: GrowInput): GrownTree {
  const { ws, gh, meta, params, exec } = input;
  const n = ws.layout.nRows;
  const minLeaf = params.minSamplesLeaf;
  const l2 = params.l2Regularization;
  for (let i = 0; i < n; i++) ws.idx[i] = i;

  const ghv = new Float32Array(ws.memory.buffer, gh, 2 * n);
  let sumG = 0;
  let sumH = 0;
  for (let i = 0; i < 2 * n; i += 2) sumG += ghv[i];
  if (input.constantHessian) sumH = n;
  else for (let i = 1; i < 2 * n; i += 2) sumH += ghv[i];

  const heap = new NodeHeap();
  let finalized = 0;
  const make = (
    depth: number,
    start: number,
    count: number,
    g: number,
    h: number,
    value: number,
  ): GrowNode => ({
    depth,
    start,
    count,
    sumG: g,
    sumH: h,
    value,
    slot: -1,
    split: null,
    heapGain: 0,
    missingLeft: 0,
    isLeaf: false,
    left: null,
    right: null,
  });
  const finalize = (node: GrowNode): void => {
    node.isLeaf = true;
    ws.release(node.slot);
    node.slot = -1;
    finalized++;
  };
  const stats = (node: GrowNode): NodeStats => ({
    count: node.count,
    sumGradients: node.sumG,
    sumHessians: node.sumH,
    value: node.value,
  });
  /** sklearn's _compute_best_split_and_push, reading the split the executor wrote at results[at]. */
  const pushOrFinalize = (node: GrowNode, at: number): void => {
    const gain = ws.results[at + S_GAIN];
    if (gain <= 0) {
      finalize(node);
      return;
    }
    node.split = ws.results.slice(at, at + SPLIT_SIZE);
    node.heapGain = gain;
    heap.push(node);
  };

  const root = make(0, 0, n, sumG, sumH, 0);
  if (n < 2 * minLeaf || sumH < MIN_HESSIAN_TO_SPLIT) finalize(root);
  else {
    root.slot = ws.acquire();
    exec.root(gh, root.slot, stats(root));
    pushOrFinalize(root, 0);
  }

  while (heap.items.length > 0) {
    const node = heap.pop();
    const s = node.split!;
    const f = s[S_FEATURE];
    const bits = ws.bitset;
    bits.fill(0);
    if (s[S_CATEGORICAL]) for (let k = 0; k < 8; k++) bits[k] = s[S_BITSET + k];
    else {
      const b = s[S_BIN];
      for (let k = 0; k <= b; k++) bits[k >>> 5] |= 1 << (k & 31);
      if (s[S_MISSING_LEFT]) bits[meta.missingBin >>> 5] |= 1 << (meta.missingBin & 31);
    }
    const nLeft = exec.partition(f, node.start, node.count);
    const gL = s[S_GRAD_LEFT];
    const hL = s[S_HESS_LEFT];
    const depth = node.depth + 1;
    const left = make(depth, node.start, nLeft, gL, hL, nodeValue(gL, hL, l2));
    const gR = node.sumG - gL;
    const hR = node.sumH - hL;
    const right = make(depth, node.start + nLeft, node.count - nLeft, gR, hR, nodeValue(gR, hR, l2));
    node.left = left;
    node.right = right;
    // With no missing values at fit, missing values at predict time follow the majority.
    node.missingLeft = meta.hasMissing[f] ? s[S_MISSING_LEFT] : left.count > right.count ? 1 : 0;
    const leaves = finalized + heap.items.length + 2;

    if (params.maxLeafNodes !== null && leaves === params.maxLeafNodes) {
      ws.release(node.slot);
      node.slot = -1;
      finalize(left);
      finalize(right);
      while (heap.items.length > 0) finalize(heap.items.pop()!);
      break;
    }
    if (params.maxDepth !== null && depth === params.maxDepth) {
      ws.release(node.slot);
      node.slot = -1;
      finalize(left);
      finalize(right);
      continue;
    }
    if (left.count < 2 * minLeaf) finalize(left);
    if (right.count < 2 * minLeaf) finalize(right);
    if (!left.isLeaf || !right.isLeaf) {
      const leftIsSmall = left.count < right.count;
      const small = leftIsSmall ? left : right;
      const smallSlot = ws.acquire();
      exec.children(
        gh,
        node.slot,
        smallSlot,
        small.start,
        small.count,
        leftIsSmall,
        left.isLeaf ? null : stats(left),
        right.isLeaf ? null : stats(right),
      );
      left.slot = leftIsSmall ? smallSlot : node.slot;
      right.slot = leftIsSmall ? node.slot : smallSlot;
      node.slot = -1;
      if (left.isLeaf) {
        ws.release(left.slot);
        left.slot = -1;
      } else pushOrFinalize(left, 0);
      if (right.isLeaf) {
        ws.release(right.slot);
        right.slot = -1;
      } else pushOrFinalize(right, SPLIT_SIZE);
    } else {
      ws.release(node.slot);
      node.slot = -1;
    }
  }
  return flatten(root, params.learningRate, l2);
}

/** The grown nodes as preorder arrays (sklearn's _fill_predictor_arrays order). */
function flatten(root: GrowNode, shrinkage: number, l2: number): GrownTree {
  const order: GrowNode[] = [];
  const stack = [root];
  let nCat = 0;
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    if (!node.isLeaf) {
      if (node.split![S_CATEGORICAL]) nCat++;
      stack.push(node.right!, node.left!);
    }
  }
  const c = order.length;
  const index = new Map(order.map((node, i) => [node, i]));
  const t: HistTree = {
    nodeCount: c,
    feature: new Int32Array(c).fill(-1),
    binThreshold: new Int32Array(c),
    missingLeft: new Uint8Array(c),
    categorySet: new Int32Array(c).fill(-1),
    bitsets: new Uint32Array(8 * nCat),
    left: new Int32Array(c).fill(-1),
    right: new Int32Array(c).fill(-1),
    value: new Float64Array(c),
    count: new Int32Array(c),
    gain: new Float64Array(c),
    depth: new Int32Array(c),
  };
  const leaves = order.filter((node) => node.isLeaf);
  const leafStart = new Int32Array(leaves.length);
  const leafCount = new Int32Array(leaves.length);
  const leafNode = new Int32Array(leaves.length);
  let cat = 0;
  let leaf = 0;
  order.forEach((node, i) => {
    t.count[i] = node.count;
    t.depth[i] = node.depth;
    if (node.isLeaf) {
      t.value[i] = node.value * shrinkage;
      leafStart[leaf] = node.start;
      leafCount[leaf] = node.count;
      leafNode[leaf] = i;
      leaf++;
      return;
    }
    const s = node.split!;
    t.value[i] = node.value;
    t.feature[i] = s[S_FEATURE];
    t.missingLeft[i] = node.missingLeft;
    t.left[i] = index.get(node.left!)!;
    t.right[i] = index.get(node.right!)!;
    // the root's heap gain leaves out its own loss (its value is 0 there, as in sklearn)
    t.gain[i] =
      node.depth === 0 ? node.heapGain - (node.sumG * node.sumG) / (node.sumH + l2 + 1e-15) : node.heapGain;
    if (s[S_CATEGORICAL]) {
      t.categorySet[i] = cat;
      for (let k = 0; k < 8; k++) t.bitsets[8 * cat + k] = s[S_BITSET + k];
      cat++;
    } else t.binThreshold[i] = s[S_BIN];
  });
  return { tree: t, leafStart, leafCount, leafNode };
}
