import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CategoricalColumn, Frame, numeric } from "../../../src/core/frame.js";
import type { Predictor } from "../../../src/core/protocol.js";
import { reviveEstimator } from "../../../src/core/protocol.js";
import { KMeans } from "../../../src/models/cluster/index.js";
import { loadXy } from "../../support/fixtures.js";
import { standardise } from "../neighbors/standardise.js";

interface Golden {
  nClusters: number;
  standardised: boolean;
  inertia: number;
  bestInertia: number;
  labels: number[];
}
const golden = JSON.parse(
  readFileSync(new URL("../../golden/misc_models.json", import.meta.url), "utf8"),
) as {
  kMeans: Record<string, Golden>;
};

const choose2 = (n: number): number => (n * (n - 1)) / 2;

/** Adjusted Rand index (Hubert & Arabie) of two labelings. */
function adjustedRand(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const table = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const key = `${a[i]}/${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rows.set(a[i], (rows.get(a[i]) ?? 0) + 1);
    cols.set(b[i], (cols.get(b[i]) ?? 0) + 1);
  }
  let index = 0;
  for (const v of table.values()) index += choose2(v);
  let sa = 0;
  for (const v of rows.values()) sa += choose2(v);
  let sb = 0;
  for (const v of cols.values()) sb += choose2(v);
  const expected = (sa * sb) / choose2(a.length);
  return (index - expected) / ((sa + sb) / 2 - expected);
}

function features(name: string, std: boolean): Frame {
  const { X } = loadXy(name, "target", true);
  return std ? standardise(X) : X;
}

describe("KMeans against sklearn 1.2", () => {
  it("iris, k=3, nInit=10: sklearn's best inertia and the same partition (ARI = 1)", () => {
    const g = golden.kMeans["iris.csv"];
    const model = new KMeans({ nClusters: 3 }).fit(features("iris.csv", false));
    expect(Math.abs(model.state.inertia - g.bestInertia) / g.bestInertia).toBeLessThan(1e-6);
    expect(adjustedRand(model.state.labels, g.labels)).toBe(1);
    expect(adjustedRand([0, 0, 1, 1], [1, 1, 0, 2])).toBeCloseTo(0.5714285714, 9);
  });

  it("iris with random init also reaches the optimum", () => {
    const g = golden.kMeans["iris.csv"];
    const model = new KMeans({ nClusters: 3, init: "random", randomState: 7 }).fit(
      features("iris.csv", false),
    );
    expect(Math.abs(model.state.inertia - g.bestInertia) / g.bestInertia).toBeLessThan(1e-6);
  });

  it("standardised wine, k=3: at least as good as sklearn's random_state=0 run, at sklearn's best", () => {
    const g = golden.kMeans["wine.csv"];
    const model = new KMeans({ nClusters: 3 }).fit(features("wine.csv", true));
    expect(model.state.inertia).toBeLessThanOrEqual(g.inertia * (1 + 1e-12));
    expect(Math.abs(model.state.inertia - g.bestInertia) / g.bestInertia).toBeLessThan(1e-6);
  });

  it("labels, centres, predict, score and inertia agree with each other", () => {
    const X = features("iris.csv", false);
    const model = new KMeans({ nClusters: 4, randomState: 3 }).fit(X);
    const s = model.state;
    const pred = model.predict(X) as CategoricalColumn;
    expect(pred.levels).toEqual(["0", "1", "2", "3"]);
    expect(Array.from(pred.codes)).toEqual(s.labels);
    expect(model.score(X)).toBeCloseTo(-s.inertia, 9);
    // Converged Lloyd: every centre is the mean of its points.
    const m = X.toMatrix();
    for (let c = 0; c < 4; c++) {
      for (let j = 0; j < m.nCols; j++) {
        let sum = 0;
        let count = 0;
        s.labels.forEach((l, i) => {
          if (l === c) {
            sum += m.data[j * m.nRows + i];
            count++;
          }
        });
        expect(s.clusterCenters[c][j]).toBeCloseTo(sum / count, 9);
      }
    }
    const d = model.distances(X.slice(0, 2));
    expect(d.length).toBe(8);
    expect(Math.min(...d.subarray(0, 4)) ** 2).toBeCloseTo(
      s.clusterCenters[s.labels[0]].reduce((acc, v, j) => acc + (v - m.data[j * m.nRows]) ** 2, 0),
      9,
    );
  });

  it("round-trips through JSON with identical predictions", () => {
    const X = features("wine.csv", true);
    const model = new KMeans({ nClusters: 3, nInit: 2 }).fit(X);
    const revived = reviveEstimator(JSON.parse(JSON.stringify(model.toJSON()))) as Predictor;
    expect(revived.kind).toBe("kMeans");
    expect(revived.task).toBe("clustering");
    expect(revived.predict(X)).toEqual(model.predict(X));
    expect(revived.score(X)).toBe(model.score(X));
  });

  it("rejects nClusters above the number of rows and missing values", () => {
    const X = Frame.fromColumns({ a: numeric(Float64Array.from([1, 2, 3])) });
    expect(() => new KMeans({ nClusters: 4 }).fit(X)).toThrow(
      expect.objectContaining({ code: "E_MODEL_TOO_FEW_ROWS" }),
    );
    const nan = Frame.fromColumns({ a: numeric(Float64Array.from([1, Number.NaN, 3])) });
    expect(() => new KMeans({ nClusters: 2 }).fit(nan)).toThrow(
      expect.objectContaining({ code: "E_MODEL_INPUT_MISSING", fix: expect.stringMatching(/imputer/) }),
    );
    expect(() => new KMeans({ nInit: 0 })).toThrow(expect.objectContaining({ code: "E_MODEL_PARAM" }));
  });

  it("refills empty clusters: duplicate seeds still end with every distinct point as a centre", () => {
    // 8 of 10 rows are 0, so most random seedings pick 0 twice and leave a cluster empty at first.
    const X = Frame.fromColumns({ a: numeric(Float64Array.from([0, 0, 0, 0, 0, 0, 0, 0, 5, 9])) });
    for (let seed = 0; seed < 10; seed++) {
      const model = new KMeans({ nClusters: 3, init: "random", nInit: 1, randomState: seed }).fit(X);
      // Zero up to the rounding of centring the data.
      expect(model.state.inertia).toBeLessThan(1e-20);
      expect(new Set(model.state.labels).size).toBe(3);
    }
  });
});
