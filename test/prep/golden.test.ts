/**
 * Replays test/golden/prep.json (scripts/golden/prep.py, scikit-learn 1.2.1 and NumPy): learned state and
 * transformed values on the shared data sets. Tolerance: |actual - expected| <= 1e-12 · max(1, |expected|),
 * i.e. relative for values above 1 in magnitude, absolute below; labels and 0/1 sums must match exactly.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Column, cellValue, type Frame } from "../../src/core/frame.js";
import type { Transformer } from "../../src/core/protocol.js";
import {
  ColumnTransformer,
  defaultPrep,
  MinMaxScaler,
  OneHotEncoder,
  OrdinalEncoder,
  OutlierClipper,
  type Pipeline,
  RobustScaler,
  SimpleImputer,
  StandardScaler,
} from "../../src/prep/index.js";
import { loadFixture } from "../support/fixtures.js";

type Num = number | "NaN" | "Infinity" | "-Infinity";
interface RowSpec {
  start?: number;
  end?: number;
  dropMissingIn?: string[];
}
interface Case {
  id: string;
  kind: string;
  fixture: string;
  columns: string[];
  fit: RowSpec;
  transform: RowSpec;
  params: Record<string, unknown>;
  state: Record<string, unknown>;
  output: { names: string[]; rows: number[]; values: Array<Array<Num | string | null>>; sums?: Num[] };
}

const golden = JSON.parse(readFileSync(new URL("../golden/prep.json", import.meta.url), "utf8")) as {
  cases: Case[];
};

const decode = (v: Num): number => (typeof v === "number" ? v : Number(v));

function close(actual: number, expected: number, what: string): void {
  if (Number.isNaN(expected)) {
    expect(actual, what).toBeNaN();
    return;
  }
  const tol = 1e-12 * Math.max(1, Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tol))
    expect.fail(`${what}: ${actual} != ${expected} (tolerance ${tol})`);
}

function closeAll(actual: readonly number[], expected: Num[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let j = 0; j < expected.length; j++) close(actual[j], decode(expected[j]), `${what}[${j}]`);
}

const fixtures = new Map<string, Frame>();
function frameFor(name: string, columns: string[], spec: RowSpec): Frame {
  if (!fixtures.has(name)) fixtures.set(name, loadFixture(name));
  const f = (fixtures.get(name) as Frame).select(columns);
  let rows = Array.from({ length: f.nRows }, (_, i) => i);
  for (const c of spec.dropMissingIn ?? []) {
    const col = f.column(c);
    rows = rows.filter((i) => cellValue(col, i) !== null);
  }
  return f.take(rows.slice(spec.start ?? 0, spec.end ?? rows.length));
}

function build(c: Case, X: Frame): Transformer {
  switch (c.kind) {
    case "simpleImputer":
      return new SimpleImputer(c.params);
    case "standardScaler":
      return new StandardScaler(c.params);
    case "minMaxScaler":
      return new MinMaxScaler(c.params);
    case "robustScaler":
      return new RobustScaler(c.params);
    case "oneHotEncoder":
      return new OneHotEncoder(c.params);
    case "ordinalEncoder":
      return new OrdinalEncoder(c.params);
    case "outlierClipper":
      return new OutlierClipper(c.params);
    case "defaultPrep":
      return defaultPrep(X, { scale: c.params.scale as boolean }).pipeline;
    case "columnTransformer":
      return new ColumnTransformer(
        [
          ["robust", new RobustScaler(), ["bill_length_mm", "body_mass_g"]],
          ["onehot", new OneHotEncoder({ drop: "first" }), ["island"]],
        ],
        { remainder: "passthrough" },
      );
    default:
      throw new Error(`no builder for ${c.kind}`);
  }
}

function checkState(c: Case, t: Transformer): void {
  const s = c.state;
  switch (c.kind) {
    case "simpleImputer": {
      const st = (t as SimpleImputer).state;
      expect(st.indicators).toEqual(s.indicators);
      (s.fill as Array<Num | string>).forEach((f, j) => {
        const actual = st.columns[j].fill;
        if (typeof actual === "string") expect(actual).toBe(f);
        else close(actual, decode(f as Num), `fill[${j}]`);
      });
      return;
    }
    case "oneHotEncoder":
    case "ordinalEncoder": {
      const cols = (t as OneHotEncoder).state.columns;
      expect(cols.map((e) => e.categories)).toEqual(s.categories);
      if (s.outputs) expect(cols.map((e) => e.outputs)).toEqual(s.outputs);
      return;
    }
    case "defaultPrep": {
      const ct = (t as Pipeline).namedSteps.columns as ColumnTransformer;
      const num = ct.transformers[0][1] as Pipeline;
      const cat = ct.transformers[1][1] as Pipeline;
      closeAll(
        (num.namedSteps.impute as SimpleImputer).state.columns.map((e) => e.fill as number),
        s.numericMedian as Num[],
        "median",
      );
      expect((cat.namedSteps.impute as SimpleImputer).state.columns.map((e) => e.fill)).toEqual(
        s.categoricalMode,
      );
      if (s.mean) {
        const sc = (num.namedSteps.scale as StandardScaler).state;
        closeAll(sc.mean, s.mean as Num[], "mean");
        closeAll(sc.scale, s.scale as Num[], "scale");
      }
      return;
    }
    case "columnTransformer": {
      const rs = (t as ColumnTransformer).transformers[0][1] as RobustScaler;
      closeAll(rs.state.center, s.center as Num[], "center");
      closeAll(rs.state.scale, s.scale as Num[], "scale");
      return;
    }
    default: {
      const st = t.state as Record<string, number[]>;
      for (const [field, values] of Object.entries(s)) closeAll(st[field], values as Num[], field);
    }
  }
}

function checkOutput(c: Case, Z: Frame): void {
  expect(Z.names).toEqual(c.output.names);
  const cols: Column[] = Z.names.map((n) => Z.column(n));
  c.output.rows.forEach((row, r) => {
    c.output.values[r].forEach((e, j) => {
      const col = cols[j];
      const what = `row ${row} column ${Z.names[j]}`;
      if (col.type === "categorical") expect(cellValue(col, row), what).toBe(e);
      else close((col as { values: Float64Array }).values[row], decode(e as Num), what);
    });
  });
  if (c.output.sums) {
    const sums = cols.map((col) => (col as { values: Float64Array }).values.reduce((a, b) => a + b, 0));
    expect(sums).toEqual(c.output.sums.map(decode));
  }
}

describe("prep transformers agree with scikit-learn 1.2.1", () => {
  it("the golden file covers every transformer", () => {
    const kinds = new Set(golden.cases.map((c) => c.kind));
    for (const k of [
      "simpleImputer",
      "standardScaler",
      "minMaxScaler",
      "robustScaler",
      "oneHotEncoder",
      "ordinalEncoder",
      "outlierClipper",
      "defaultPrep",
      "columnTransformer",
    ])
      expect(kinds.has(k), k).toBe(true);
  });

  for (const c of golden.cases) {
    it(c.id, () => {
      const Xfit = frameFor(c.fixture, c.columns, c.fit);
      const Xt = frameFor(c.fixture, c.columns, c.transform);
      const t = build(c, Xfit).fit(Xfit);
      checkState(c, t);
      checkOutput(c, t.transform(Xt));
    });
  }
});
