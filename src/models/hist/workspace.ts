/**
 * The memory one histogram-tree fit works in: a WebAssembly memory (shared when worker threads join in)
 * holding the binned features, one gradient/hessian pair per row and output, the target, weights and raw
 * predictions, the sample partition, a control block for the threads and a pool of node histograms that
 * grows on demand. Everything is a
 * view at a fixed offset, described by a plain `WorkspaceLayout` so a worker can rebuild the same views.
 */
import { FEATURE_BYTES, instantiateKernels, type Kernels } from "./kernels.js";
import { SPLIT_SIZE } from "./split.js";

export interface WorkspaceLayout {
  nRows: number;
  nFeatures: number;
  /** Gradient columns: 1, or the number of classes for multiclass. */
  nOutputs: number;
  bins: number;
  gh: number;
  idx: number;
  /** Two int32 buffers of n rows: the right side of a partition, or both sides of a threaded one. */
  tmp: number;
  tmp2: number;
  /** Float64: the target (or class index) per row, per-row weights, raw predictions (column-major n x outputs). */
  y: number;
  w: number;
  raw: number;
  bitset: number;
  /** Int32 slots for thread synchronisation. */
  control: number;
  /** Float64 task arguments. */
  mailbox: number;
  /** Float64 split results, SPLIT_SIZE per (thread, child). */
  results: number;
  /** Per feature: bins used (int32), had missing values (uint8), is categorical (uint8). */
  nBins: number;
  hasMissing: number;
  isCategorical: number;
  hist: number;
  slotBytes: number;
}

const PAGE = 65536;
export const CONTROL_INTS = 64;
export const MAILBOX_DOUBLES = 64;
/** Threads that can share one fit. */
export const MAX_THREADS = 8;
/** Split results: two children per thread. */
export const RESULT_DOUBLES = 2 * MAX_THREADS * SPLIT_SIZE;

const align = (x: number): number => Math.ceil(x / 64) * 64;

export function workspaceLayout(nRows: number, nFeatures: number, nOutputs: number): WorkspaceLayout {
  let at = 64;
  const take = (bytes: number): number => {
    const start = at;
    at = align(at + bytes);
    return start;
  };
  const bins = take(nRows * nFeatures);
  const gh = take(nRows * nOutputs * 8);
  const idx = take(nRows * 4);
  const tmp = take(nRows * 4);
  const tmp2 = take(nRows * 4);
  const y = take(nRows * 8);
  const w = take(nRows * 8);
  const raw = take(nRows * nOutputs * 8);
  const bitset = take(32);
  const control = take(CONTROL_INTS * 4);
  const mailbox = take(MAILBOX_DOUBLES * 8);
  const results = take(RESULT_DOUBLES * 8);
  const nBins = take(nFeatures * 4);
  const hasMissing = take(nFeatures);
  const isCategorical = take(nFeatures);
  const hist = take(0);
  return {
    nRows,
    nFeatures,
    nOutputs,
    bins,
    gh,
    idx,
    tmp,
    tmp2,
    y,
    w,
    raw,
    bitset,
    control,
    mailbox,
    results,
    nBins,
    hasMissing,
    isCategorical,
    hist,
    slotBytes: Math.max(1, nFeatures) * FEATURE_BYTES,
  };
}

export class Workspace {
  readonly layout: WorkspaceLayout;
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  readonly kernels: Kernels;
  readonly bins: Uint8Array;
  readonly idx: Int32Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly raw: Float64Array;
  readonly bitset: Uint32Array;
  readonly control: Int32Array;
  readonly mailbox: Float64Array;
  readonly results: Float64Array;
  readonly nBins: Int32Array;
  readonly hasMissing: Uint8Array;
  readonly isCategorical: Uint8Array;
  /** All histogram slots as float64 (four per bin); rebuilt when the pool grows. */
  hist: Float64Array;
  #slots: number;
  #free: number[] = [];

  constructor(layout: WorkspaceLayout, shared: boolean, initialSlots: number) {
    this.layout = layout;
    this.shared = shared;
    this.#slots = Math.max(2, initialSlots);
    const pages = Math.ceil((layout.hist + this.#slots * layout.slotBytes) / PAGE);
    this.memory = shared
      ? new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true })
      : new WebAssembly.Memory({ initial: pages });
    this.kernels = instantiateKernels(this.memory, shared);
    const buf = this.memory.buffer;
    const { nRows: n, nFeatures: p } = layout;
    this.bins = new Uint8Array(buf, layout.bins, n * p);
    this.idx = new Int32Array(buf, layout.idx, n);
    this.y = new Float64Array(buf, layout.y, n);
    this.w = new Float64Array(buf, layout.w, n);
    this.raw = new Float64Array(buf, layout.raw, n * layout.nOutputs);
    this.bitset = new Uint32Array(buf, layout.bitset, 8);
    this.control = new Int32Array(buf, layout.control, CONTROL_INTS);
    this.mailbox = new Float64Array(buf, layout.mailbox, MAILBOX_DOUBLES);
    this.results = new Float64Array(buf, layout.results, RESULT_DOUBLES);
    this.nBins = new Int32Array(buf, layout.nBins, p);
    this.hasMissing = new Uint8Array(buf, layout.hasMissing, p);
    this.isCategorical = new Uint8Array(buf, layout.isCategorical, p);
    this.hist = this.#histView();
    for (let s = this.#slots - 1; s >= 0; s--) this.#free.push(s);
  }

  #histView(): Float64Array {
    return new Float64Array(this.memory.buffer, this.layout.hist, (this.#slots * this.layout.slotBytes) / 8);
  }

  /** Gradient/hessian pairs of output k (float32, interleaved). */
  gh(k: number): Float32Array {
    const { nRows: n, gh } = this.layout;
    return new Float32Array(this.memory.buffer, gh + k * n * 8, 2 * n);
  }

  ghOffset(k: number): number {
    return this.layout.gh + k * this.layout.nRows * 8;
  }

  /** A free histogram slot; the pool doubles (growing the memory) when none is left. */
  acquire(): number {
    if (this.#free.length === 0) {
      const more = this.#slots;
      const needed = this.layout.hist + (this.#slots + more) * this.layout.slotBytes;
      const pages = Math.ceil((needed - this.memory.buffer.byteLength) / PAGE);
      if (pages > 0) this.memory.grow(pages);
      for (let s = this.#slots + more - 1; s >= this.#slots; s--) this.#free.push(s);
      this.#slots += more;
      this.hist = this.#histView();
    }
    return this.#free.pop()!;
  }

  release(slot: number): void {
    if (slot >= 0) this.#free.push(slot);
  }

  /** Byte offset of a slot, for the kernels. */
  slotOffset(slot: number): number {
    return this.layout.hist + slot * this.layout.slotBytes;
  }

  /** Index in `hist` of a slot's first bin. */
  slotBase(slot: number): number {
    return (slot * this.layout.slotBytes) / 8;
  }
}
