/**
 * A small WebAssembly emitter: just enough of the binary format to write the models' hot loops (the
 * histogram kernels of hist/, the objective kernels of linear/) as structured code (locals by name, loops,
 * SIMD lanes) and assemble them into a module at load time.
 *
 * Why WebAssembly at all: in V8 (Node 20) a JavaScript loop over typed arrays reloads every array's map,
 * length and data pointer on each iteration (the loop's interrupt check may run code that detaches them),
 * which costs more than the histogram update itself. Measured on 160,000 x 30 bins with gradient, hessian
 * and count per bin: 5.4 ns per update in JavaScript, 1.0-1.9 ns in WebAssembly with 128-bit lanes, 1.7 ns
 * for the same loop in C at -O2. The module is assembled from the code below (no binary blob, nothing
 * fetched or read from disk), and only ever sees memory the caller allocated.
 */

export type Code = readonly number[];

const I32 = 0x7f;
const I64 = 0x7e;
const F64 = 0x7c;
const V128 = 0x7b;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: readonly Code[]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: Code): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((b) => [b]));
const cat = (...parts: Code[]): number[] => parts.flat();
/** A 128-bit SIMD instruction: the 0xfd prefix, then its opcode as LEB128. */
const simd = (opcode: number): number[] => [0xfd, ...uleb(opcode)];
/** A v128.const of two 8-byte lanes, each written by `write` at its byte offset. */
const v128Lanes = (write: (view: DataView, at: number) => void): number[] => {
  const b = new Uint8Array(16);
  const view = new DataView(b.buffer);
  write(view, 0);
  write(view, 8);
  return [...simd(0x0c), ...b];
};

/** Memory access with the natural alignment (log2 bytes) and a constant offset. */
const mem =
  (opcode: Code, alignLog2: number) =>
  (addr: Code, offset = 0) =>
    cat(addr, opcode, uleb(alignLog2), uleb(offset));
const store =
  (opcode: Code, alignLog2: number) =>
  (addr: Code, value: Code, offset = 0) =>
    cat(addr, value, opcode, uleb(alignLog2), uleb(offset));

/** Expressions and statements; each returns the bytes that leave its result (if any) on the stack. */
export const w = {
  i32: (v: number): number[] => [0x41, ...sleb(v)],
  f64: (v: number): number[] => {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    return [0x44, ...b];
  },
  add: (a: Code, b: Code) => cat(a, b, [0x6a]),
  sub: (a: Code, b: Code) => cat(a, b, [0x6b]),
  mul: (a: Code, b: Code) => cat(a, b, [0x6c]),
  and: (a: Code, b: Code) => cat(a, b, [0x71]),
  or: (a: Code, b: Code) => cat(a, b, [0x72]),
  shl: (a: Code, b: Code) => cat(a, b, [0x74]),
  shrU: (a: Code, b: Code) => cat(a, b, [0x76]),
  eq: (a: Code, b: Code) => cat(a, b, [0x46]),
  ne: (a: Code, b: Code) => cat(a, b, [0x47]),
  ltU: (a: Code, b: Code) => cat(a, b, [0x49]),
  geS: (a: Code, b: Code) => cat(a, b, [0x4e]),
  shrS: (a: Code, b: Code) => cat(a, b, [0x75]),
  leU: (a: Code, b: Code) => cat(a, b, [0x4d]),
  eqz: (a: Code) => cat(a, [0x45]),
  fadd: (a: Code, b: Code) => cat(a, b, [0xa0]),
  fgt: (a: Code, b: Code) => cat(a, b, [0x64]),
  fne: (a: Code, b: Code) => cat(a, b, [0x62]),
  fle: (a: Code, b: Code) => cat(a, b, [0x65]),
  /** float64 to uint32 (traps on NaN or out of range: callers exclude those). */
  truncU: (a: Code) => cat(a, [0xab]),
  /** float64 to uint32, saturating (NaN gives 0): never traps. */
  truncSatU: (a: Code) => cat(a, [0xfc, 0x03]),
  i64: (v: bigint): number[] => {
    const out: number[] = [0x42];
    let x = BigInt.asIntN(64, v);
    for (;;) {
      const byte = Number(x & 0x7fn);
      x >>= 7n;
      if ((x === 0n && (byte & 0x40) === 0) || (x === -1n && (byte & 0x40) !== 0)) {
        out.push(byte);
        return out;
      }
      out.push(byte | 0x80);
    }
  },
  xor64: (a: Code, b: Code) => cat(a, b, [0x85]),
  or64: (a: Code, b: Code) => cat(a, b, [0x84]),
  shrS64: (a: Code, b: Code) => cat(a, b, [0x87]),
  shrU64: (a: Code, b: Code) => cat(a, b, [0x88]),
  /** The low 32 bits of an i64. */
  wrap: (a: Code) => cat(a, [0xa7]),
  extendU: (a: Code) => cat(a, [0xad]),
  load8: mem([0x2d], 0),
  loadI32: mem([0x28], 2),
  loadF64: mem([0x2b], 3),
  loadI64: mem([0x29], 3),
  storeI64: store([0x37], 3),
  store8: store([0x3a], 0),
  storeI32: store([0x36], 2),
  storeF64: store([0x39], 3),
  loadV128: mem([0xfd, 0x00], 4),
  storeV128: store([0xfd, 0x0b], 4),
  /** Two float32 into the low lanes, promoted to a float64x2. */
  loadF32x2AsF64x2: (addr: Code, offset = 0) => cat(addr, [0xfd, 0x5d], uleb(3), uleb(offset), [0xfd, 0x5f]),
  f64x2Add: (a: Code, b: Code) => cat(a, b, [0xfd, 0xf0, 0x01]),
  f64x2Sub: (a: Code, b: Code) => cat(a, b, [0xfd, 0xf1, 0x01]),
  f64x2Mul: (a: Code, b: Code) => cat(a, b, simd(0xf2)),
  f64x2Div: (a: Code, b: Code) => cat(a, b, simd(0xf3)),
  /** `b > a ? b : a` per lane (pseudo-maximum: the first operand when either is NaN). */
  f64x2Pmax: (a: Code, b: Code) => cat(a, b, simd(0xf7)),
  f64x2Abs: (a: Code) => cat(a, simd(0xec)),
  f64x2Neg: (a: Code) => cat(a, simd(0xed)),
  /** Round to nearest, ties to even, per lane. */
  f64x2Nearest: (a: Code) => cat(a, simd(0x94)),
  /** All ones in the lanes where a >= b. */
  f64x2Ge: (a: Code, b: Code) => cat(a, b, simd(0x4c)),
  f64x2Splat: (a: Code) => cat(a, simd(0x14)),
  f64x2ExtractLane: (a: Code, lane: 0 | 1) => cat(a, simd(0x21), [lane]),
  f64x2Const: (v: number) => v128Lanes((d, at) => d.setFloat64(at, v, true)),
  i64x2Const: (v: bigint) => v128Lanes((d, at) => d.setBigInt64(at, v, true)),
  /** The bits of a where mask is 1, of b elsewhere. */
  v128Bitselect: (a: Code, b: Code, mask: Code) => cat(a, b, mask, simd(0x52)),
  /** Both float64 lanes truncated to int32 (saturating), in the low lanes of an i32x4. */
  i32x4TruncSatF64x2SZero: (a: Code) => cat(a, simd(0xfc)),
  /** The low two int32 lanes sign-extended to int64. */
  i64x2ExtendLowI32x4S: (a: Code) => cat(a, simd(0xc7)),
  i64x2Add: (a: Code, b: Code) => cat(a, b, simd(0xce)),
  /** Each int64 lane shifted left by the i32 `count`. */
  i64x2Shl: (a: Code, count: Code) => cat(a, count, simd(0xcb)),
  memoryFill: (dst: Code, byte: Code, len: Code) => cat(dst, byte, len, [0xfc, 0x0b, 0x00]),
  memoryCopy: (dst: Code, src: Code, len: Code) => cat(dst, src, len, [0xfc, 0x0a, 0x00, 0x00]),
  /** `cond ? a : b` (both evaluated). */
  select: (a: Code, b: Code, cond: Code) => cat(a, b, cond, [0x1b]),
  /** `while (cond) body` */
  while: (cond: Code, ...body: Code[]) =>
    cat([0x02, 0x40, 0x03, 0x40], w.eqz(cond), [0x0d, 1], ...body, [0x0c, 0, 0x0b, 0x0b]),
  if: (cond: Code, ...body: Code[]) => cat(cond, [0x04, 0x40], ...body, [0x0b]),
  ifElse: (cond: Code, then: Code[], otherwise: Code[]) =>
    cat(cond, [0x04, 0x40], ...then, [0x05], ...otherwise, [0x0b]),
};

/** One function: named i32 params, named locals (i32 unless listed in `v128`), a body of statements. */
export interface FnDef {
  name: string;
  params: readonly string[];
  locals: readonly string[];
  v128?: readonly string[];
  /** Locals of type i64 (after the i32 locals). */
  i64?: readonly string[];
  /** Locals of type f64 (after the i64 locals). */
  f64?: readonly string[];
  /** Returns one i32 (the last expression of the body) when true. */
  returnsI32?: boolean;
  body: (v: Vars) => Code[];
}

export interface Vars {
  get(name: string): number[];
  set(name: string, value: Code): number[];
}

function vars(def: FnDef): Vars {
  const index = new Map<string, number>();
  [...def.params, ...def.locals, ...(def.i64 ?? []), ...(def.f64 ?? []), ...(def.v128 ?? [])].forEach(
    (n, i) => {
      if (index.has(n)) throw new Error(`wasm: duplicate local ${n} in ${def.name}`);
      index.set(n, i);
    },
  );
  const at = (n: string): number => {
    const i = index.get(n);
    if (i === undefined) throw new Error(`wasm: unknown local ${n} in ${def.name}`);
    return i;
  };
  return {
    get: (n) => [0x20, ...uleb(at(n))],
    set: (n, value) => cat(value, [0x21], uleb(at(n))),
  };
}

/** Assembles a module that imports its memory as `env.memory` (shared when `shared`) and exports `fns`. */
export function assemble(fns: readonly FnDef[], shared: boolean): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(f.params.map(() => [I32])), ...(f.returnsI32 ? [1, I32] : [0])]);
  const bodies = fns.map((f) => {
    const v = vars(f);
    const localDecl: Code[] = [];
    if (f.locals.length > 0) localDecl.push([...uleb(f.locals.length), I32]);
    if (f.i64 && f.i64.length > 0) localDecl.push([...uleb(f.i64.length), I64]);
    if (f.f64 && f.f64.length > 0) localDecl.push([...uleb(f.f64.length), F64]);
    if (f.v128 && f.v128.length > 0) localDecl.push([...uleb(f.v128.length), V128]);
    const body = cat(vec(localDecl), ...f.body(v), [0x0b]);
    return [...uleb(body.length), ...body];
  });
  // limits: flags 0x03 = shared with maximum (shared memories must declare one), 0x00 = minimum only
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, ...limits]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}
