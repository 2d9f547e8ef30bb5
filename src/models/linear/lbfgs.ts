/**
 * A compact L-BFGS minimiser (two-loop recursion, m = 10 pairs like scipy's default) with a strong-Wolfe
 * line search (Nocedal & Wright, algorithms 3.5/3.6, cubic interpolation in the zoom phase).
 * Stops like scipy's L-BFGS-B without bounds: max |gradient| <= gtol, or relative decrease of f below
 * ftol, or maxIter iterations.
 */

/** Writes the gradient at x into g and returns f(x). */
export type Objective = (x: Float64Array, g: Float64Array) => number;

export interface LbfgsOptions {
  maxIter: number;
  gtol: number;
  /** Relative function decrease stop, scipy's factr * eps (1e7 * 2.2e-16). */
  ftol?: number;
  memory?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  nIter: number;
  nEval: number;
  converged: boolean;
  gradMax: number;
}

const C1 = 1e-4;
const C2 = 0.9;

export function lbfgs(fg: Objective, x0: Float64Array, opts: LbfgsOptions): LbfgsResult {
  const dim = x0.length;
  const m = opts.memory ?? 10;
  const ftol = opts.ftol ?? 1e7 * Number.EPSILON;
  const x = Float64Array.from(x0);
  const g = new Float64Array(dim);
  let nEval = 1;
  let f = fg(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(dim);
  const alphas = new Float64Array(m);
  const xNew = new Float64Array(dim);
  const gNew = new Float64Array(dim);
  let gradMax = maxAbs(g);
  let nIter = 0;
  let converged = gradMax <= opts.gtol;
  while (!converged && nIter < opts.maxIter) {
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < dim; i++) d[i] = -g[i];
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = rho[j] * dot(S[j], d);
      alphas[j] = a;
      axpy(-a, Y[j], d);
    }
    if (k > 0) scale(dot(S[k - 1], Y[k - 1]) / dot(Y[k - 1], Y[k - 1]), d);
    for (let j = 0; j < k; j++) {
      const b = rho[j] * dot(Y[j], d);
      axpy(alphas[j] - b, S[j], d);
    }
    let dg = dot(d, g);
    if (!(dg < 0)) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < dim; i++) d[i] = -g[i];
      dg = dot(d, g);
    }
    const step0 = k === 0 ? Math.min(1, 1 / Math.sqrt(dot(d, d))) : 1;
    const ls = strongWolfe(fg, x, f, d, dg, step0, xNew, gNew);
    nEval += ls.nEval;
    if (!ls.ok) break;
    nIter++;
    const fOld = f;
    const s = new Float64Array(dim);
    const yv = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      s[i] = xNew[i] - x[i];
      yv[i] = gNew[i] - g[i];
    }
    x.set(xNew);
    g.set(gNew);
    f = ls.f;
    const sy = dot(s, yv);
    if (sy > Number.EPSILON * dot(yv, yv)) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    gradMax = maxAbs(g);
    if (gradMax <= opts.gtol) converged = true;
    else if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) converged = true;
  }
  return { x, f, nIter, nEval, converged, gradMax };
}

interface LineSearch {
  ok: boolean;
  f: number;
  nEval: number;
}

/** Finds a step t along d satisfying the strong Wolfe conditions; writes x + t d and its gradient. */
function strongWolfe(
  fg: Objective,
  x: Float64Array,
  f0: number,
  d: Float64Array,
  dg0: number,
  step0: number,
  xOut: Float64Array,
  gOut: Float64Array,
): LineSearch {
  let nEval = 0;
  const evalAt = (t: number): [number, number] => {
    for (let i = 0; i < x.length; i++) xOut[i] = x[i] + t * d[i];
    nEval++;
    const f = fg(xOut, gOut);
    return [f, dot(gOut, d)];
  };
  let tPrev = 0;
  let fPrev = f0;
  let dgPrev = dg0;
  let t = step0;
  for (let it = 0; it < 30; it++) {
    const [ft, dgt] = evalAt(t);
    if (!Number.isFinite(ft) || ft > f0 + C1 * t * dg0 || (it > 0 && ft >= fPrev)) {
      return zoom(tPrev, fPrev, dgPrev, t, ft, dgt);
    }
    if (Math.abs(dgt) <= -C2 * dg0) return { ok: true, f: ft, nEval };
    if (dgt >= 0) return zoom(t, ft, dgt, tPrev, fPrev, dgPrev);
    tPrev = t;
    fPrev = ft;
    dgPrev = dgt;
    t *= 2;
  }
  return { ok: false, f: f0, nEval };

  function zoom(lo: number, fLo: number, dgLo: number, hi: number, fHi: number, dgHi: number): LineSearch {
    for (let it = 0; it < 40; it++) {
      let tj = cubicMin(lo, fLo, dgLo, hi, fHi, dgHi);
      const a = Math.min(lo, hi);
      const b = Math.max(lo, hi);
      // Keep the trial safely inside the bracket so the bracket always shrinks.
      if (!Number.isFinite(tj) || tj < a + 0.1 * (b - a) || tj > b - 0.1 * (b - a)) tj = 0.5 * (lo + hi);
      const [fj, dgj] = evalAt(tj);
      if (!Number.isFinite(fj) || fj > f0 + C1 * tj * dg0 || fj >= fLo) {
        hi = tj;
        fHi = fj;
        dgHi = dgj;
      } else {
        if (Math.abs(dgj) <= -C2 * dg0) return { ok: true, f: fj, nEval };
        if (dgj * (hi - lo) >= 0) {
          hi = lo;
          fHi = fLo;
          dgHi = dgLo;
        }
        lo = tj;
        fLo = fj;
        dgLo = dgj;
      }
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    // The bracket collapsed: accept the best point found if it decreases f.
    if (lo > 0 && fLo < f0) {
      const [fl] = evalAt(lo);
      return { ok: true, f: fl, nEval };
    }
    return { ok: false, f: f0, nEval };
  }
}

/** Minimiser of the cubic interpolating f and f' at two points. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (disc < 0) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}

function scale(a: number, x: Float64Array): void {
  for (let i = 0; i < x.length; i++) x[i] *= a;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
