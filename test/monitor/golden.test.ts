/**
 * Replays test/golden/drift.json (scripts/golden/drift.py, scipy 1.10.1 and NumPy): KS statistics and
 * p-values, the kstwo and Smirnov distributions behind them, the chi-square survival function and
 * contingency test, Wasserstein distances and Evidently's binned Jensen-Shannon, PSI and KL.
 * Tolerances (|actual - expected| <= tol * max(1, |expected|)): 1e-10 for p-values, statistics and
 * distances, the chi-square survival function included; the issue asks for 1e-6.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  categoricalSample,
  compareSamples,
  type DriftSample,
  numericSample,
} from "../../src/monitor/drift.js";
import { kolmogorovSf, smirnov } from "../../src/monitor/kolmogorov.js";
import { sortedFinite } from "../../src/monitor/sort.js";
import { chi2Sf } from "../../src/monitor/special.js";
import {
  chi2Contingency,
  energyDistance,
  ks2Samp,
  wassersteinDistance,
  wassersteinNormed,
} from "../../src/monitor/stats.js";

interface Gen {
  n: number;
  seed: number;
  kind: "uniform" | "tri" | "square" | "int";
  offset: number;
  scale: number;
  levels?: number;
}
type Data = { values: number[] } | { gen: Gen };
type Labels = { labels: string[] };

const golden = JSON.parse(readFileSync(new URL("../golden/drift.json", import.meta.url), "utf8")) as {
  generator: { modulus: number; multiplier: number };
  ks: Array<{ id: string; a: Data; b: Data; statistic: number; pValue: number }>;
  kstwo: Array<{ n: number; x: number; sf: number }>;
  smirnov: Array<{ n: number; x: number; sf: number }>;
  chi2sf: Array<{ x: number; dof: number; sf: number }>;
  chi2: Array<{
    id: string;
    reference: number[];
    current: number[];
    statistic: number;
    pValue: number;
    dof: number;
  }>;
  wasserstein: Array<{ id: string; a: Data; b: Data; distance: number; normed: number; energy: number }>;
  binned: Array<{
    id: string;
    type: "numeric" | "categorical";
    a: Data | Labels;
    b: Data | Labels;
    jensenshannon: number;
    psi: number;
    kl: number;
    hellinger: number;
  }>;
};

/** Mirrors generate() in scripts/golden/drift.py operation for operation. */
function generate(g: Gen): Float64Array {
  const { modulus, multiplier } = golden.generator;
  let x = g.seed;
  const draw = (): number => {
    x = (multiplier * x) % modulus;
    return x / modulus;
  };
  const out = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) {
    switch (g.kind) {
      case "uniform":
        out[i] = g.offset + g.scale * draw();
        break;
      case "tri": {
        const u1 = draw();
        const u2 = draw();
        out[i] = g.offset + g.scale * (u1 + u2);
        break;
      }
      case "square": {
        const u = draw();
        out[i] = g.offset + g.scale * (u * u);
        break;
      }
      case "int":
        out[i] = g.offset + Math.floor(draw() * (g.levels as number));
        break;
    }
  }
  return out;
}

const cache = new Map<Data, Float64Array>();
function sorted(d: Data): Float64Array {
  let s = cache.get(d);
  if (!s) {
    s = sortedFinite("values" in d ? Float64Array.from(d.values) : generate(d.gen)).sorted;
    cache.set(d, s);
  }
  return s;
}

function close(actual: number | null | undefined, expected: number, tol: number, what: string): void {
  if (typeof actual !== "number" || !(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected))))
    expect.fail(`${what}: ${actual} != ${expected} (tolerance ${tol})`);
}

describe("two-sample Kolmogorov-Smirnov (scipy.stats.ks_2samp)", () => {
  for (const c of golden.ks) {
    it(c.id, () => {
      const r = ks2Samp(sorted(c.a), sorted(c.b));
      close(r.statistic, c.statistic, 1e-12, "statistic");
      close(r.pValue, c.pValue, 1e-10, "p-value");
    });
  }

  it("picks the exact p-value up to 10,000 values a side and the asymptotic one above", () => {
    const method = (id: string) => {
      const c = golden.ks.find((k) => k.id === id);
      if (!c) throw new Error(id);
      return ks2Samp(sorted(c.a), sorted(c.b)).method;
    };
    expect(method("exact-unequal-10000-9999")).toBe("exact");
    expect(method("asymp-10001-10000")).toBe("asymp");
  });
});

describe("kstwo.sf, the one-sample two-sided distribution", () => {
  it(`${golden.kstwo.length} (n, x) points over every branch`, () => {
    for (const c of golden.kstwo) close(kolmogorovSf(c.n, c.x), c.sf, 1e-10, `kstwo.sf(${c.x}, ${c.n})`);
  });
});

describe("scipy.special.smirnov", () => {
  it(`${golden.smirnov.length} (n, x) points`, () => {
    for (const c of golden.smirnov) close(smirnov(c.n, c.x), c.sf, 1e-10, `smirnov(${c.n}, ${c.x})`);
  });
});

describe("chi-square", () => {
  it(`survival function at ${golden.chi2sf.length} points (scipy.stats.chi2.sf)`, () => {
    for (const c of golden.chi2sf) close(chi2Sf(c.x, c.dof), c.sf, 1e-10, `chi2.sf(${c.x}, ${c.dof})`);
  });

  for (const c of golden.chi2) {
    it(`contingency: ${c.id}`, () => {
      const r = chi2Contingency(c.reference, c.current);
      expect(r.dof).toBe(c.dof);
      close(r.statistic, c.statistic, 1e-10, "statistic");
      close(r.pValue, c.pValue, 1e-10, "p-value");
    });
  }
});

describe("Wasserstein distance (scipy.stats.wasserstein_distance, Evidently's normed variant) and energy distance (scipy.stats.energy_distance)", () => {
  for (const c of golden.wasserstein) {
    it(c.id, () => {
      close(wassersteinDistance(sorted(c.a), sorted(c.b)), c.distance, 1e-10, "distance");
      close(wassersteinNormed(sorted(c.a), sorted(c.b)), c.normed, 1e-10, "normed");
      close(energyDistance(sorted(c.a), sorted(c.b)), c.energy, 1e-10, "energy");
    });
  }
});

function sampleOf(d: Data | Labels): DriftSample {
  if ("labels" in d) {
    const levels = [...new Set(d.labels)].sort();
    const index = new Map(levels.map((l, k) => [l, k]));
    return categoricalSample(
      Int32Array.from(d.labels, (l) => index.get(l) as number),
      levels,
    );
  }
  return numericSample("values" in d ? Float64Array.from(d.values) : generate(d.gen));
}

describe("binned distances in Evidently's convention", () => {
  for (const c of golden.binned) {
    it(`${c.type}: ${c.id}`, () => {
      const a = sampleOf(c.a);
      const b = sampleOf(c.b);
      for (const test of ["jensenshannon", "psi", "kl", "hellinger"] as const) {
        close(compareSamples("x", a, b, { test }).distance, c[test], 1e-10, test);
      }
    });
  }
});
