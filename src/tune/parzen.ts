/**
 * The Parzen estimator of TPE, as Optuna 4.9 builds it: a mixture with one component per observation plus
 * a prior component, each a product over the dimensions of a truncated normal (numeric, on a log scale for
 * log domains, integrated over a step for stepped ones) or a smoothed one-hot (categorical). One
 * dimension gives the independent TPE; several give the multivariate one (shared component draws, and
 * Scott's-rule bandwidths instead of the neighbour-distance rule).
 */
import type { Random } from "../core/random.js";
import { logGaussMass, truncnormLogPdf, truncnormPpf } from "./normal.js";
import type { Distribution } from "./space.js";
import { snap } from "./space.js";

export interface ParzenParameters {
  /** Weight of the prior component relative to one observation (Optuna's prior_weight, 1). */
  priorWeight: number;
  /** Floor the bandwidths at range / min(100, 1 + kernels) (consider_magic_clip, true). */
  magicClip: boolean;
  /** Let the outermost kernels reach the domain's ends (consider_endpoints, false). */
  endpoints: boolean;
  multivariate: boolean;
}

export const optunaParzenDefaults: ParzenParameters = {
  priorWeight: 1,
  magicClip: true,
  endpoints: false,
  multivariate: false,
};

/**
 * Optuna's default_weights: equal weights up to 25 observations; beyond that the oldest n - 25 ramp up
 * linearly from 1/n so recent trials count more. Observations are in trial order.
 */
export function defaultWeights(n: number): Float64Array {
  if (n < 25) return new Float64Array(n).fill(1);
  const w = new Float64Array(n);
  const ramp = n - 25;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  for (let i = ramp; i < n; i++) w[i] = 1;
  return w;
}

type Kernel =
  | { type: "categorical" /** (components x choices), rows sum to 1. */; probs: Float64Array[] }
  | {
      type: "numeric";
      mu: Float64Array;
      sigma: Float64Array;
      /** Bounds in the modelled space (log for log domains, widened by half a step for stepped ones). */
      low: number;
      high: number;
      log: boolean;
      step: number | null;
      /** The domain itself, to round and clip samples onto. */
      domain: { low: number; high: number };
    };

export class ParzenEstimator {
  /** Mixture weights of the components: observations then the prior; sums to 1. */
  readonly weights: Float64Array;
  readonly kernels: Kernel[];

  /**
   * `observations[d][i]`: observation i of dimension d, in the internal form (a choice's index for
   * categorical dimensions), in trial order.
   */
  constructor(
    distributions: readonly Distribution[],
    observations: readonly (readonly number[])[],
    params: ParzenParameters,
  ) {
    const n = observations[0]?.length ?? 0;
    const w = n === 0 ? Float64Array.of(1) : Float64Array.from([...defaultWeights(n), params.priorWeight]);
    let total = 0;
    for (const x of w) total += x;
    for (let i = 0; i < w.length; i++) w[i] /= total;
    this.weights = w;
    this.kernels = distributions.map((d, j) =>
      kernelOf(d, observations[j] ?? [], params, distributions.length),
    );
  }

  /** `size` draws: one component per draw (shared by every dimension), then each dimension from it. */
  sample(rng: Random, size: number): number[][] {
    const cum = cumulative(this.weights);
    const active = Array.from({ length: size }, () => pick(cum, rng.next()));
    return this.kernels.map((k) => active.map((c) => sampleKernel(k, c, rng)));
  }

  /** log density of each point; `points[d][i]` is dimension d of point i. */
  logPdf(points: readonly (readonly number[])[]): Float64Array {
    const m = points[0]?.length ?? 0;
    const K = this.weights.length;
    const out = new Float64Array(m);
    const logW = Float64Array.from(this.weights, Math.log);
    const terms = new Float64Array(K);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < K; c++) {
        let s = logW[c];
        for (let d = 0; d < this.kernels.length; d++) s += kernelLogPdf(this.kernels[d], c, points[d][i]);
        terms[c] = s;
      }
      let max = Number.NEGATIVE_INFINITY;
      for (const t of terms) if (t > max) max = t;
      if (max === Number.NEGATIVE_INFINITY) {
        out[i] = max;
        continue;
      }
      let sum = 0;
      for (const t of terms) sum += Math.exp(t - max);
      out[i] = max + Math.log(sum);
    }
    return out;
  }
}

function cumulative(p: ArrayLike<number>): Float64Array {
  const c = new Float64Array(p.length);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    s += p[i];
    c[i] = s;
  }
  c[c.length - 1] = 1;
  return c;
}

/** The first index whose cumulative probability reaches u. */
function pick(cum: Float64Array, u: number): number {
  let i = 0;
  while (i < cum.length - 1 && cum[i] < u) i++;
  return i;
}

function kernelOf(d: Distribution, obs: readonly number[], params: ParzenParameters, nDims: number): Kernel {
  const n = obs.length;
  if (d.type === "categorical") {
    const C = d.choices.length;
    if (n === 0) return { type: "categorical", probs: [new Float64Array(C).fill(1 / C)] };
    // Every row starts at prior_weight / kernels; an observation adds 1 at its own choice.
    const base = params.priorWeight / (n + 1);
    const probs: Float64Array[] = [];
    for (let i = 0; i <= n; i++) {
      const row = new Float64Array(C).fill(base);
      if (i < n) row[obs[i]] += 1;
      let s = 0;
      for (const x of row) s += x;
      if (s > 0) for (let k = 0; k < C; k++) row[k] /= s;
      probs.push(row);
    }
    return { type: "categorical", probs };
  }
  let low = d.low;
  let high = d.high;
  if (d.step !== null) {
    low -= d.step / 2;
    high += d.step / 2;
  }
  const mus = obs.map((x) => (d.log ? Math.log(x) : x));
  if (d.log) [low, high] = [Math.log(low), Math.log(high)];
  const range = high - low;
  let sigmas: number[];
  if (params.multivariate) {
    sigmas = mus.map(() => 0.2 * Math.max(n, 1) ** (-1 / (nDims + 4)) * range);
  } else {
    // Each kernel as wide as the larger gap to its neighbours (the domain's ends count as neighbours).
    const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b] || a - b);
    const sorted = [low, ...order.map((i) => mus[i]), high];
    const s = order.map((_, k) => Math.max(sorted[k + 1] - sorted[k], sorted[k + 2] - sorted[k + 1]));
    if (!params.endpoints && sorted.length >= 4) {
      s[0] = sorted[2] - sorted[1];
      s[s.length - 1] = sorted[sorted.length - 2] - sorted[sorted.length - 3];
    }
    sigmas = new Array(n);
    order.forEach((i, k) => {
      sigmas[i] = s[k];
    });
  }
  const minSigma = params.magicClip ? range / Math.min(100, 1 + (n + 1)) : 1e-12;
  sigmas = sigmas.map((x) => Math.min(range, Math.max(minSigma, x)));
  return {
    type: "numeric",
    mu: Float64Array.from([...mus, 0.5 * (low + high)]),
    sigma: Float64Array.from([...sigmas, range]),
    low,
    high,
    log: d.log,
    step: d.step,
    domain: { low: d.low, high: d.high },
  };
}

function sampleKernel(k: Kernel, c: number, rng: Random): number {
  if (k.type === "categorical") return pick(cumulative(k.probs[Math.min(c, k.probs.length - 1)]), rng.next());
  const mu = k.mu[c];
  const sigma = k.sigma[c];
  let u = rng.next();
  if (u === 0) u = Number.MIN_VALUE;
  let x = mu + sigma * truncnormPpf(u, (k.low - mu) / sigma, (k.high - mu) / sigma);
  if (k.log) x = Math.exp(x);
  if (k.step !== null) return snap(x, k.domain.low, k.domain.high, k.step);
  return Math.min(k.domain.high, Math.max(k.domain.low, x));
}

function kernelLogPdf(k: Kernel, c: number, x: number): number {
  if (k.type === "categorical") return Math.log(k.probs[Math.min(c, k.probs.length - 1)][x]);
  const mu = k.mu[c];
  const sigma = k.sigma[c];
  if (k.step === null) return truncnormLogPdf(k.log ? Math.log(x) : x, mu, sigma, k.low, k.high);
  // A stepped value has the probability mass of its cell [x - step/2, x + step/2] (in log space if log).
  const half = k.step / 2;
  const lo = k.log ? Math.log(x - half) : x - half;
  const hi = k.log ? Math.log(x + half) : x + half;
  return (
    logGaussMass((lo - mu) / sigma, (hi - mu) / sigma) -
    logGaussMass((k.low - mu) / sigma, (k.high - mu) / sigma)
  );
}
