/**
 * The normal distribution as TPE needs it: the Parzen estimator's kernels are normals truncated to the
 * parameter's domain, sampled by inverting the CDF and scored in log space. Tails are computed in log
 * space so that a kernel far from a candidate gives a finite log density rather than log(0).
 */

const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log(erfc(x) · e^{x²}) for x >= 2.5, by the continued fraction erfc(x) = e^{-x²}/√π · 1/(x + ½/(x + 1/(x +
 * 3/2/(x + …)))) evaluated with Lentz's method; it converges in a few dozen terms there.
 */
function logScaledErfcTail(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -LOG_SQRT_PI - Math.log(f);
}

/** erf by its everywhere-positive series e^{-x²}·2/√π·Σ (2x²)^n x / (2n+1)!!, accurate for |x| < 2.5. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) return 1 - erfSeries(x);
  return Math.exp(-x * x + logScaledErfcTail(x));
}

/** log(erfc(x)), finite far into the right tail. */
export function logErfc(x: number): number {
  if (x < 2.5) return Math.log(erfc(x));
  return -x * x + logScaledErfcTail(x);
}

/** Standard normal CDF Φ(z). */
export function ndtr(z: number): number {
  return 0.5 * erfc(-z * SQRT1_2);
}

/** log Φ(z), finite far into the left tail. */
export function logNdtr(z: number): number {
  if (z > 5) return Math.log1p(-0.5 * erfc(z * SQRT1_2));
  return Math.log(0.5) + logErfc(-z * SQRT1_2);
}

/** log(Φ(b) − Φ(a)) for a < b, without cancelling in either tail. */
export function logGaussMass(a: number, b: number): number {
  if (!(a < b)) return Number.NEGATIVE_INFINITY;
  if (b <= 0) {
    const lb = logNdtr(b);
    return lb + Math.log1p(-Math.exp(logNdtr(a) - lb));
  }
  if (a >= 0) return logGaussMass(-b, -a);
  // a < 0 < b: one minus both tails.
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

// Acklam's rational approximation of the normal quantile, refined by one Halley step.
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** The standard normal quantile Φ⁻¹(p). */
export function ndtri(p: number): number {
  if (!(p > 0)) return p === 0 ? Number.NEGATIVE_INFINITY : Number.NaN;
  if (!(p < 1)) return p === 1 ? Number.POSITIVE_INFINITY : Number.NaN;
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else if (p <= 1 - 0.02425) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x = -(
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
    );
  }
  // Halley's step on Φ(x) − p; the error in the upper half is taken from the complementary tail.
  const e = x < 0 ? ndtr(x) - p : 1 - p - ndtr(-x);
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * The u-quantile of the standard normal truncated to [a, b]: Φ⁻¹(Φ(a) + u·(Φ(b) − Φ(a))), mirrored so
 * that the interval's probability is always read from the tail where it is accurate.
 */
export function truncnormPpf(u: number, a: number, b: number): number {
  if (a > 0) return -truncnormPpf(1 - u, -b, -a);
  const la = logNdtr(a);
  const mass = logGaussMass(a, b);
  const lu = Math.log(u) + mass;
  // log(Φ(a) + u·mass), as a log-sum-exp.
  const hi = Math.max(la, lu);
  const lp = hi + Math.log(Math.exp(la - hi) + Math.exp(lu - hi));
  const x = ndtri(Math.exp(lp));
  return Math.min(b, Math.max(a, x));
}

/** log density at x of a normal (mu, sigma) truncated to [low, high]; -Infinity outside. */
export function truncnormLogPdf(x: number, mu: number, sigma: number, low: number, high: number): number {
  if (x < low || x > high) return Number.NEGATIVE_INFINITY;
  const z = (x - mu) / sigma;
  return (
    -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - logGaussMass((low - mu) / sigma, (high - mu) / sigma)
  );
}
