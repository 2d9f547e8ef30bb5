/**
 * Brute-force k-nearest-neighbour search on row-major typed arrays.
 *
 * Four queries are scored against two training rows at once (eight running sums that stay in registers),
 * so every value loaded from memory is used two or four times. Each query keeps a bounded max-heap of its
 * k best candidates; almost every candidate is rejected by one comparison with the heap's root. Ties
 * between equal distances are not broken by training index, and it is not sklearn's kd-tree order (which
 * sklearn picks for <= 15 features): the golden tests compare against algorithm="brute".
 *
 * Ties: training rows are visited in index order and pushed with the exact heap of scikit-learn's brute
 * algorithm (sklearn/utils/_heap.pyx heap_push: a candidate equal to the current k-th distance is
 * rejected; a closer one replaces the root and sifts down). Among rows at exactly the k-th distance the
 * survivors are therefore the ones sklearn keeps when its search runs on one thread (with several threads
 * sklearn merges per-thread heaps, so its choice among exact ties depends on the thread count). The
 * Euclidean case compares squared distances, like sklearn's reduced distance.
 */

export interface Neighbours {
  k: number;
  /** nQuery x k training-row indices, nearest first. */
  indices: Int32Array;
  /** nQuery x k distances (Minkowski p), matching `indices`. */
  distances: Float64Array;
}

const BLOCK = 4;

export function kNearest(
  train: Float64Array,
  nTrain: number,
  queries: Float64Array,
  nQuery: number,
  nCols: number,
  k: number,
  p: 1 | 2,
): Neighbours {
  const indices = new Int32Array(nQuery * k);
  const distances = new Float64Array(nQuery * k);
  const hv = new Float64Array(BLOCK * k);
  const hi = new Int32Array(BLOCK * k);
  const o1 = k;
  const o2 = 2 * k;
  const o3 = 3 * k;
  for (let q = 0; q < nQuery; q += BLOCK) {
    hv.fill(Number.POSITIVE_INFINITY);
    hi.fill(-1);
    // A short last block repeats its last query; the duplicate heaps are discarded.
    const a = q * nCols;
    const b = Math.min(q + 1, nQuery - 1) * nCols;
    const c = Math.min(q + 2, nQuery - 1) * nCols;
    const d = Math.min(q + 3, nQuery - 1) * nCols;
    for (let j = 0; j < nTrain; j += 2) {
      // Two training rows per pass (the second repeats the last row when nTrain is odd).
      const t = j * nCols;
      const u = Math.min(j + 1, nTrain - 1) * nCols;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let r0 = 0;
      let r1 = 0;
      let r2 = 0;
      let r3 = 0;
      if (p === 2) {
        for (let f = 0; f < nCols; f++) {
          const x = train[t + f];
          const y = train[u + f];
          const qa = queries[a + f];
          const qb = queries[b + f];
          const qc = queries[c + f];
          const qd = queries[d + f];
          let e = x - qa;
          s0 += e * e;
          e = x - qb;
          s1 += e * e;
          e = x - qc;
          s2 += e * e;
          e = x - qd;
          s3 += e * e;
          e = y - qa;
          r0 += e * e;
          e = y - qb;
          r1 += e * e;
          e = y - qc;
          r2 += e * e;
          e = y - qd;
          r3 += e * e;
        }
      } else {
        for (let f = 0; f < nCols; f++) {
          const x = train[t + f];
          const y = train[u + f];
          const qa = queries[a + f];
          const qb = queries[b + f];
          const qc = queries[c + f];
          const qd = queries[d + f];
          s0 += Math.abs(x - qa);
          s1 += Math.abs(x - qb);
          s2 += Math.abs(x - qc);
          s3 += Math.abs(x - qd);
          r0 += Math.abs(y - qa);
          r1 += Math.abs(y - qb);
          r2 += Math.abs(y - qc);
          r3 += Math.abs(y - qd);
        }
      }
      // Per query, row j is pushed before row j + 1: the heap sees training rows in index order.
      if (s0 < hv[0]) heapPush(hv, hi, 0, k, s0, j);
      if (s1 < hv[o1]) heapPush(hv, hi, o1, k, s1, j);
      if (s2 < hv[o2]) heapPush(hv, hi, o2, k, s2, j);
      if (s3 < hv[o3]) heapPush(hv, hi, o3, k, s3, j);
      if (j + 1 < nTrain) {
        if (r0 < hv[0]) heapPush(hv, hi, 0, k, r0, j + 1);
        if (r1 < hv[o1]) heapPush(hv, hi, o1, k, r1, j + 1);
        if (r2 < hv[o2]) heapPush(hv, hi, o2, k, r2, j + 1);
        if (r3 < hv[o3]) heapPush(hv, hi, o3, k, r3, j + 1);
      }
    }
    for (let r = 0; r < BLOCK && q + r < nQuery; r++) {
      sortedCopy(hv, hi, r * k, k, distances, indices, (q + r) * k, p);
    }
  }
  return { k, indices, distances };
}

/** sklearn's fixed-size max-heap push (the caller has checked that `val` beats the root). */
function heapPush(vals: Float64Array, idx: Int32Array, off: number, k: number, val: number, j: number): void {
  let cur = 0;
  for (;;) {
    const l = 2 * cur + 1;
    const r = l + 1;
    let sw: number;
    if (l >= k) break;
    if (r >= k) {
      if (vals[off + l] > val) sw = l;
      else break;
    } else if (vals[off + l] >= vals[off + r]) {
      if (val < vals[off + l]) sw = l;
      else break;
    } else if (val < vals[off + r]) sw = r;
    else break;
    vals[off + cur] = vals[off + sw];
    idx[off + cur] = idx[off + sw];
    cur = sw;
  }
  vals[off + cur] = val;
  idx[off + cur] = j;
}

/** Heap contents sorted nearest first into the output (insertion sort: k is small). */
function sortedCopy(
  hv: Float64Array,
  hi: Int32Array,
  from: number,
  k: number,
  dist: Float64Array,
  ind: Int32Array,
  to: number,
  p: 1 | 2,
): void {
  for (let m = 0; m < k; m++) {
    const v = hv[from + m];
    const id = hi[from + m];
    let pos = to + m;
    while (pos > to && dist[pos - 1] > v) {
      dist[pos] = dist[pos - 1];
      ind[pos] = ind[pos - 1];
      pos--;
    }
    dist[pos] = v;
    ind[pos] = id;
  }
  if (p === 2) for (let m = to; m < to + k; m++) dist[m] = Math.sqrt(dist[m]);
}
