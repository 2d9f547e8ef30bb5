/**
 * The losses of histogram gradient boosting, as scikit-learn 1.2's `_loss` module defines them: the
 * intercept-only baseline, per-row gradient and hessian (stored as float32 pairs, like sklearn's
 * G_H_DTYPE), the mean loss (for early stopping) and the inverse link. Raw predictions are column-major,
 * output k of row i at `raw[k * n + i]`. `w` holds per-row weights (class weights) or is null.
 */

export type LossName = "logLoss" | "squaredError" | "absoluteError" | "poisson";

export interface Loss {
  readonly name: LossName;
  /** Trees per iteration: the number of classes for multiclass, else 1. */
  readonly nOutputs: number;
  /** Hessians are 1 for every row (stored as 1, so the summed hessian is the row count). */
  readonly constantHessian: boolean;
  baseline(y: Float64Array, w: Float64Array | null): Float64Array;
  /** Writes gradient/hessian pairs of output k into gh[k] for rows [start, end) (threads share the rows). */
  gradients(
    y: Float64Array,
    raw: Float64Array,
    w: Float64Array | null,
    gh: Float32Array[],
    start: number,
    end: number,
  ): void;
  /** Mean loss (weighted when w is given). */
  loss(y: Float64Array, raw: Float64Array, w: Float64Array | null): number;
}

const EPS = 2.220446049250313e-16;

function average(y: Float64Array, w: Float64Array | null, f: (v: number) => number = (v) => v): number {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w === null ? 1 : w[i];
    s += wi * f(y[i]);
    sw += wi;
  }
  return s / sw;
}

/** np.median: the middle value, or the mean of the two middle ones. */
export function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const m = s.length;
  if (m === 0) return Number.NaN;
  const h = m >> 1;
  return m % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** sklearn's _weighted_percentile at 50: the smallest value whose cumulative weight reaches half. */
export function weightedMedian(values: Float64Array, w: Float64Array): number {
  const order = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
  let total = 0;
  for (const i of order) total += w[i];
  let acc = 0;
  for (const i of order) {
    acc += w[i];
    if (acc >= 0.5 * total) return values[i];
  }
  return values[order[order.length - 1]];
}

/** log(1 + exp(x)) without overflow, with sklearn's branch points. */
function log1pexp(x: number): number {
  if (x <= -37) return Math.exp(x);
  if (x <= -2) return Math.log1p(Math.exp(x));
  if (x <= 18) return Math.log(1 + Math.exp(x));
  if (x <= 33.3) return x + Math.exp(-x);
  return x;
}

export function expit(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

const squaredError: Loss = {
  name: "squaredError",
  nOutputs: 1,
  constantHessian: true,
  baseline: (y, w) => Float64Array.of(average(y, w)),
  gradients(y, raw, w, gh, start, end) {
    const out = gh[0];
    for (let i = start; i < end; i++) {
      out[2 * i] = w === null ? raw[i] - y[i] : w[i] * (raw[i] - y[i]);
      out[2 * i + 1] = 1;
    }
  },
  loss(y, raw, w) {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w === null ? 1 : w[i];
      s += wi * 0.5 * (raw[i] - y[i]) ** 2;
      sw += wi;
    }
    return s / sw;
  },
};

const absoluteError: Loss = {
  name: "absoluteError",
  nOutputs: 1,
  constantHessian: true,
  baseline: (y, w) => Float64Array.of(w === null ? median(y) : weightedMedian(y, w)),
  gradients(y, raw, w, gh, start, end) {
    const out = gh[0];
    for (let i = start; i < end; i++) {
      const g = raw[i] > y[i] ? 1 : -1;
      out[2 * i] = w === null ? g : w[i] * g;
      out[2 * i + 1] = 1;
    }
  },
  loss(y, raw, w) {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w === null ? 1 : w[i];
      s += wi * Math.abs(y[i] - raw[i]);
      sw += wi;
    }
    return s / sw;
  },
};

const poisson: Loss = {
  name: "poisson",
  nOutputs: 1,
  constantHessian: false,
  baseline: (y, w) => Float64Array.of(Math.log(Math.max(average(y, w), 10 * EPS))),
  gradients(y, raw, w, gh, start, end) {
    const out = gh[0];
    for (let i = start; i < end; i++) {
      const e = Math.exp(raw[i]);
      const wi = w === null ? 1 : w[i];
      out[2 * i] = wi * (e - y[i]);
      out[2 * i + 1] = wi * e;
    }
  },
  loss(y, raw, w) {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w === null ? 1 : w[i];
      s += wi * (Math.exp(raw[i]) - y[i] * raw[i]);
      sw += wi;
    }
    return s / sw;
  },
};

const binomial: Loss = {
  name: "logLoss",
  nOutputs: 1,
  constantHessian: false,
  baseline(y, w) {
    const p = Math.min(Math.max(average(y, w), 10 * EPS), 1 - 10 * EPS);
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(y, raw, w, gh, start, end) {
    const out = gh[0];
    for (let i = start; i < end; i++) {
      const e = Math.exp(-raw[i]);
      const yi = y[i];
      const g = (1 - yi - yi * e) / (1 + e);
      const h = e / (1 + e) ** 2;
      out[2 * i] = w === null ? g : w[i] * g;
      out[2 * i + 1] = w === null ? h : w[i] * h;
    }
  },
  loss(y, raw, w) {
    let s = 0;
    let sw = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w === null ? 1 : w[i];
      s += wi * (log1pexp(raw[i]) - y[i] * raw[i]);
      sw += wi;
    }
    return s / sw;
  },
};

function multinomial(K: number): Loss {
  return {
    name: "logLoss",
    nOutputs: K,
    constantHessian: false,
    baseline(y, w) {
      // softmax's symmetric inverse: log(p_k / geometric mean of p)
      const p = new Float64Array(K);
      let meanLog = 0;
      for (let k = 0; k < K; k++) {
        p[k] = Math.min(
          Math.max(
            average(y, w, (v) => (v === k ? 1 : 0)),
            EPS,
          ),
          1 - EPS,
        );
        meanLog += Math.log(p[k]);
      }
      const gmean = Math.exp(meanLog / K);
      return p.map((v) => Math.log(v / gmean));
    },
    gradients(y, raw, w, gh, start, end) {
      const n = y.length;
      const e = new Float64Array(K);
      for (let i = start; i < end; i++) {
        let max = raw[i];
        for (let k = 1; k < K; k++) if (raw[k * n + i] > max) max = raw[k * n + i];
        let sum = 0;
        for (let k = 0; k < K; k++) {
          e[k] = Math.exp(raw[k * n + i] - max);
          sum += e[k];
        }
        const wi = w === null ? 1 : w[i];
        for (let k = 0; k < K; k++) {
          const pk = e[k] / sum;
          gh[k][2 * i] = (pk - (y[i] === k ? 1 : 0)) * wi;
          gh[k][2 * i + 1] = pk * (1 - pk) * wi;
        }
      }
    },
    loss(y, raw, w) {
      const n = y.length;
      let s = 0;
      let sw = 0;
      for (let i = 0; i < n; i++) {
        let max = raw[i];
        for (let k = 1; k < K; k++) if (raw[k * n + i] > max) max = raw[k * n + i];
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(raw[k * n + i] - max);
        const wi = w === null ? 1 : w[i];
        s += wi * (Math.log(sum) + max - raw[y[i] * n + i]);
        sw += wi;
      }
      return s / sw;
    },
  };
}

export function lossFor(name: LossName, nClasses: number): Loss {
  switch (name) {
    case "logLoss":
      return nClasses <= 2 ? binomial : multinomial(nClasses);
    case "squaredError":
      return squaredError;
    case "absoluteError":
      return absoluteError;
    case "poisson":
      return poisson;
  }
}

/** Class probabilities (row-major n x K, K >= 2) from raw predictions (column-major). */
export function probabilities(raw: Float64Array, n: number, nClasses: number): Float64Array {
  const out = new Float64Array(n * nClasses);
  if (nClasses === 2) {
    for (let i = 0; i < n; i++) {
      const p1 = expit(raw[i]);
      out[2 * i] = 1 - p1;
      out[2 * i + 1] = p1;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    let max = raw[i];
    for (let k = 1; k < nClasses; k++) if (raw[k * n + i] > max) max = raw[k * n + i];
    let sum = 0;
    for (let k = 0; k < nClasses; k++) {
      const e = Math.exp(raw[k * n + i] - max);
      out[i * nClasses + k] = e;
      sum += e;
    }
    for (let k = 0; k < nClasses; k++) out[i * nClasses + k] /= sum;
  }
  return out;
}
