import { describe, expect, it } from "vitest";
import { MlshipError, NotFittedError } from "../../src/core/errors.js";
import { boolean, type Column, categorical, datetime, Frame, numeric } from "../../src/core/frame.js";
import { isClassifier, isPredictor, reviveEstimator, type Transformer } from "../../src/core/protocol.js";
import { KNeighborsClassifier, KNeighborsRegressor } from "../../src/models/neighbors/index.js";
import {
  ColumnTransformer,
  decodeNumbers,
  defaultPrep,
  encodeNumbers,
  MinMaxScaler,
  OneHotEncoder,
  OrdinalEncoder,
  OutlierClipper,
  Pipeline,
  prepFromSpec,
  RobustScaler,
  SimpleImputer,
  StandardScaler,
  ToNumeric,
} from "../../src/prep/index.js";
import { loadFixture, loadXy } from "../support/fixtures.js";

const penguins = loadFixture("penguins.csv");
const PENGUIN_NUM = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"];
const num = penguins.select(PENGUIN_NUM);
const cat = penguins.select(["species", "island", "sex"]);

/** Every column's raw bytes, so equality means bit-identical (NaN payloads and -0 included). */
function bits(f: Frame): Record<string, number[] | string[]> {
  const out: Record<string, number[] | string[]> = {};
  for (const [n, c] of f.entries()) {
    if (c.type === "categorical") out[n] = [...c.levels, "|", ...Array.from(c.codes, String)];
    else out[n] = Array.from(new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength));
  }
  return out;
}

function roundTrip<T>(t: { toJSON(): unknown }): T {
  return reviveEstimator(JSON.parse(JSON.stringify(t.toJSON()))) as T;
}

function expectError(f: () => unknown, code: string, ...mentions: string[]): MlshipError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MlshipError);
    const err = e as MlshipError;
    expect(err.code).toBe(code);
    for (const m of mentions) expect(err.message).toContain(m);
    return err;
  }
  return expect.fail(`expected ${code}`);
}

// A column entirely missing, and values whose learned state holds NaN and -0.
const edge = new Frame([
  ["empty", numeric(new Float64Array([Number.NaN, Number.NaN, Number.NaN, Number.NaN]))],
  ["negZero", numeric(new Float64Array([-0, -0, -0, Number.NaN]))],
  ["x", numeric(new Float64Array([1, 2, Number.NaN, 4]))],
]);

const cases: Array<[string, () => Transformer, Frame]> = [
  ["simpleImputer mean", () => new SimpleImputer({ addIndicator: true }), num],
  ["simpleImputer median (edge)", () => new SimpleImputer({ strategy: "median", addIndicator: true }), edge],
  [
    "simpleImputer mostFrequent",
    () => new SimpleImputer({ strategy: "mostFrequent", addIndicator: true }),
    penguins,
  ],
  ["simpleImputer constant", () => new SimpleImputer({ strategy: "constant", fillValue: "?" }), cat],
  ["standardScaler", () => new StandardScaler(), num],
  ["standardScaler (edge)", () => new StandardScaler(), edge],
  ["minMaxScaler", () => new MinMaxScaler({ featureRange: [-1, 1] }), num],
  ["minMaxScaler (edge)", () => new MinMaxScaler(), edge],
  ["robustScaler", () => new RobustScaler({ quantileRange: [10, 90] }), num],
  ["robustScaler (edge)", () => new RobustScaler(), edge],
  ["outlierClipper iqr", () => new OutlierClipper(), num],
  ["outlierClipper quantile (edge)", () => new OutlierClipper({ method: "quantile" }), edge],
  ["oneHotEncoder", () => new OneHotEncoder({ minFrequency: 60, unknown: "other", drop: "ifBinary" }), cat],
  ["ordinalEncoder", () => new OrdinalEncoder(), cat],
  ["toNumeric", () => new ToNumeric(), num],
  [
    "columnTransformer",
    () =>
      new ColumnTransformer(
        [
          ["num", new StandardScaler(), "numeric"],
          ["cat", new OneHotEncoder(), ["island"]],
        ],
        { remainder: "passthrough" },
      ),
    penguins,
  ],
  ["defaultPrep pipeline", () => defaultPrep(penguins, { scale: true }).pipeline, penguins],
];

describe("transformer protocol", () => {
  for (const [name, make, X] of cases) {
    it(`${name}: not fitted before fit, then a bit-identical JSON round trip`, () => {
      const t = make();
      expect(t.isFitted).toBe(false);
      expect(() => t.state).toThrow(NotFittedError);
      expect(() => t.transform(X)).toThrow(NotFittedError);
      const unfitted = roundTrip<Transformer>(t);
      expect(unfitted.isFitted).toBe(false);
      expect(unfitted.params).toEqual(t.params);

      const Z = t.fitTransform(X);
      expect(t.isFitted).toBe(true);
      expect(bits(t.transform(X))).toEqual(bits(Z));
      const back = roundTrip<Transformer>(t);
      expect(back.kind).toBe(t.kind);
      expect(back.isFitted).toBe(true);
      expect(bits(back.transform(X))).toEqual(bits(Z));
      // The revived estimator serialises to the same JSON.
      expect(JSON.stringify(back.toJSON())).toBe(JSON.stringify(t.toJSON()));
    });
  }

  it("encodes NaN, infinities and -0 in JSON and decodes them exactly", () => {
    const state = {
      a: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1.5],
      s: "NaN",
    };
    const back = decodeNumbers<typeof state>(JSON.parse(JSON.stringify(encodeNumbers(state))));
    expect(back.s).toBe("NaN");
    expect(Object.is(back.a[3], -0)).toBe(true);
    expect(Object.is(back.a[4], 0)).toBe(true);
    expect(back.a).toEqual(state.a);
  });

  it("edge state: an all-missing column has NaN statistics, kept through JSON", () => {
    const s = new StandardScaler().fit(edge);
    expect(s.state.mean[0]).toBeNaN();
    const r = new RobustScaler().fit(edge);
    expect(Object.is(r.state.center[1], -0)).toBe(true);
    expect(Object.is(roundTrip<RobustScaler>(r).state.center[1], -0)).toBe(true);
    expect(roundTrip<StandardScaler>(s).state.mean[0]).toBeNaN();
  });
});

describe("errors users can cause", () => {
  it("an unknown level with unknown 'error' names the column and the level", () => {
    const train = cat.take(Array.from({ length: 150 }, (_, i) => i)); // Adelie only
    const enc = new OneHotEncoder().fit(train.select(["species"]));
    expectError(
      () => enc.transform(cat.select(["species"])),
      "E_PREP_UNKNOWN_LEVEL",
      '"species"',
      '"Gentoo"',
    );
    const ord = new OrdinalEncoder().fit(train.select(["species"]));
    expectError(() => ord.transform(cat.select(["species"])), "E_PREP_UNKNOWN_LEVEL", '"species"', "Adelie");
  });

  it("fitting a column of the wrong type fails clearly", () => {
    expectError(
      () => new StandardScaler().fit(cat),
      "E_PREP_COLUMN_TYPE",
      "standardScaler",
      '"species"',
      "categorical",
    );
    expectError(() => new OneHotEncoder().fit(num), "E_PREP_COLUMN_TYPE", '"bill_length_mm"', "numeric");
    expectError(() => new SimpleImputer({ strategy: "median" }).fit(cat), "E_PREP_COLUMN_TYPE", '"species"');
    expectError(() => new ToNumeric().fit(cat), "E_PREP_COLUMN_TYPE", '"species"');
  });

  it("transform checks the fitted columns and their types", () => {
    const s = new StandardScaler().fit(num);
    expectError(() => s.transform(num.drop(["body_mass_g"])), "E_PREP_MISSING_COLUMN", '"body_mass_g"');
    const swapped = num.with({ body_mass_g: categorical(new Int32Array(num.nRows), ["x"]) });
    expectError(() => s.transform(swapped), "E_PREP_COLUMN_TYPE", '"body_mass_g"');
  });

  it("bad params fail with the valid params listed", () => {
    expectError(
      () => new StandardScaler({ withMean: "yes" } as never),
      "E_PREP_PARAMS",
      "withMean",
      "withStd",
    );
    expectError(() => new OneHotEncoder({ minFrequency: 2.5 }), "E_PREP_PARAMS", "minFrequency");
    expectError(() => new RobustScaler({ quantileRange: [75, 25] }), "E_PREP_PARAMS", "quantileRange");
    expectError(
      () => new SimpleImputer({ strategy: "constant", fillValue: "x" }).fit(num),
      "E_PREP_PARAMS",
      '"x"',
    );
  });
});

describe("SimpleImputer", () => {
  it("keeps columns entirely missing at fit: 0 for numeric, 'missing_value' for categorical", () => {
    const X = new Frame([
      ["n", numeric(new Float64Array([Number.NaN, Number.NaN]))],
      ["c", categorical(new Int32Array([-1, -1]), ["a"])],
    ]);
    const Z = new SimpleImputer({ strategy: "mostFrequent", addIndicator: true }).fitTransform(X);
    expect(Z.names).toEqual(["n", "c", "n__missing", "c__missing"]);
    expect([...Z.numeric("n")]).toEqual([0, 0]);
    expect(Z.rows().map((r) => r.c)).toEqual(["missing_value", "missing_value"]);
    expect([...Z.numeric("c__missing")]).toEqual([1, 1]);
  });

  it("imputes boolean columns and keeps their type", () => {
    const X = new Frame([["b", boolean(new Int8Array([1, -1, 1, 0]))]]);
    const Z = new SimpleImputer({ strategy: "mostFrequent" }).fitTransform(X);
    expect(Z.column("b")).toEqual(boolean(new Int8Array([1, 1, 1, 0])));
  });
});

describe("OneHotEncoder", () => {
  it("encodes a missing value as all zeros", () => {
    const Z = new OneHotEncoder().fitTransform(cat.select(["sex"]));
    expect(Z.names).toEqual(["sex=female", "sex=male"]);
    const missingRows = Array.from(cat.categorical("sex").codes.entries()).filter(([, c]) => c === -1);
    expect(missingRows.length).toBe(11);
    for (const [i] of missingRows)
      expect([Z.numeric("sex=female")[i], Z.numeric("sex=male")[i]]).toEqual([0, 0]);
  });
});

describe("ColumnTransformer", () => {
  it("keeps plain names and prefixes only clashing ones; order is transformers then remainder", () => {
    const ct = new ColumnTransformer(
      [
        ["std", new StandardScaler(), ["bill_length_mm", "body_mass_g"]],
        ["minmax", new MinMaxScaler(), ["bill_length_mm"]],
        ["sex", new OneHotEncoder(), ["sex"]],
      ],
      { remainder: "passthrough" },
    );
    const Z = ct.fitTransform(penguins);
    expect(Z.names).toEqual([
      "std__bill_length_mm",
      "body_mass_g",
      "minmax__bill_length_mm",
      "sex=female",
      "sex=male",
      "species",
      "island",
      "bill_depth_mm",
      "flipper_length_mm",
    ]);
    // Extra columns at transform are ignored; selected ones must be there.
    expect(ct.transform(penguins.with({ extra: numeric(new Float64Array(penguins.nRows)) })).names).toEqual(
      Z.names,
    );
    expectError(() => ct.transform(penguins.drop(["sex"])), "E_PREP_MISSING_COLUMN", '"sex"');
  });

  it("skips a selection that matches nothing", () => {
    const ct = new ColumnTransformer([
      ["dates", new ToNumeric(), "datetime"],
      ["num", new StandardScaler(), "numeric"],
    ]);
    expect(ct.fitTransform(penguins).names).toEqual(PENGUIN_NUM);
    expect(roundTrip<ColumnTransformer>(ct).transform(penguins).names).toEqual(PENGUIN_NUM);
  });
});

describe("Pipeline", () => {
  it("exposes steps and namedSteps; a pure preparation is not a predictor", () => {
    const { pipeline } = defaultPrep(penguins, { scale: false });
    expect(pipeline.steps.map(([n]) => n)).toEqual(["columns"]);
    expect(pipeline.namedSteps.columns).toBeInstanceOf(ColumnTransformer);
    expect(isPredictor(pipeline)).toBe(false);
  });

  it("ending in a classifier, it predicts like its steps applied by hand and survives a round trip", () => {
    const { X, y } = loadXy("penguins.csv", "species", true);
    const model = new KNeighborsClassifier({ nNeighbors: 5 });
    const pipe = new Pipeline([...defaultPrep(X, { scale: true }).pipeline.steps, ["model", model]]);
    expect(isClassifier(pipe)).toBe(true);
    pipe.fit(X, y);
    if (!isClassifier(pipe)) return expect.fail("not a classifier");
    expect(pipe.task).toBe("classification");
    expect(pipe.classes).toEqual(["Adelie", "Chinstrap", "Gentoo"]);

    const prep = defaultPrep(X, { scale: true }).pipeline;
    const byHand = new KNeighborsClassifier({ nNeighbors: 5 }).fit(prep.fitTransform(X), y);
    const Xp = prep.transform(X);
    expect(pipe.predict(X)).toEqual(byHand.predict(Xp));
    expect(pipe.predictProba(X)).toEqual(byHand.predictProba(Xp));
    expect(pipe.score(X, y)).toBe(byHand.score(Xp, y));
    expect(pipe.score(X, y)).toBeGreaterThan(0.95);
    expectError(() => pipe.transform(X), "E_PREP_NOT_TRANSFORMER");

    // A clone (sklearn's `clone`: same params, no state) is unfitted all the way down.
    const fresh = reviveEstimator({ ...pipe.toJSON(), state: null }) as Pipeline;
    expect(fresh.isFitted).toBe(false);
    expect(fresh.steps.map(([, e]) => e.isFitted)).toEqual([false, false]);
    const back = reviveEstimator(JSON.parse(JSON.stringify(pipe.toJSON())));
    if (!isClassifier(back)) return expect.fail("revived pipeline is not a classifier");
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(pipe.predictProba(X)));
  });

  it("ending in a regressor, it is a predictor but not a classifier", () => {
    const X = penguins.select(["island", "sex", "bill_length_mm", "flipper_length_mm"]);
    const y: Column = numeric(
      Float64Array.from(penguins.numeric("body_mass_g"), (v) => (Number.isNaN(v) ? 4000 : v)),
    );
    const pipe = new Pipeline([
      ...defaultPrep(X, { scale: true }).pipeline.steps,
      ["model", new KNeighborsRegressor()],
    ]);
    pipe.fit(X, y);
    expect(isPredictor(pipe) && !isClassifier(pipe)).toBe(true);
    expect(pipe.score?.(X, y)).toBeGreaterThan(0.5);
  });

  it("rejects a model before the last step", () => {
    expectError(
      () =>
        new Pipeline([
          ["model", new KNeighborsRegressor()],
          ["scale", new StandardScaler()],
        ]),
      "E_PREP_PARAMS",
      "only the last step",
    );
  });
});

describe("defaultPrep", () => {
  it("handles every column type and describes what it does", () => {
    const X = new Frame([
      ["n", numeric(new Float64Array([1, Number.NaN, 3, 4]))],
      ["c", categorical(new Int32Array([0, 1, -1, 1]), ["a", "b"])],
      ["b", boolean(new Int8Array([1, 0, -1, 0]))],
      ["d", datetime(new Float64Array([0, 86_400_000, Number.NaN, 3 * 86_400_000]))],
    ]);
    const { pipeline, description } = defaultPrep(X, { scale: false });
    expect(description).toEqual([
      "numeric (1 column): median impute",
      "categorical (1 column): most-frequent impute, one-hot encode (unseen levels -> all zeros)",
      "boolean (1 column): as 1/0, most-frequent impute",
      "datetime (1 column): as epoch milliseconds, median impute",
    ]);
    const Z = pipeline.fitTransform(X);
    expect(Z.names).toEqual(["n", "c=a", "c=b", "b", "d"]);
    expect(Object.values(Z.types()).every((t) => t === "numeric")).toBe(true);
    expect([...Z.numeric("n")]).toEqual([1, 3, 3, 4]);
    expect([...Z.numeric("c=b")]).toEqual([0, 1, 1, 1]);
    expect([...Z.numeric("b")]).toEqual([1, 0, 0, 0]);
    expect([...Z.numeric("d")]).toEqual([0, 86_400_000, 86_400_000, 3 * 86_400_000]);
    // An unseen level at serving time encodes as all zeros.
    const unseen = X.with({ c: categorical(new Int32Array([2, 0, 0, 0]), ["a", "b", "z"]) });
    expect([
      pipeline.transform(unseen).numeric("c=a")[0],
      pipeline.transform(unseen).numeric("c=b")[0],
    ]).toEqual([0, 0]);
  });

  it("accepts a DatasetSchema and describes scaling", () => {
    const { description } = defaultPrep(
      {
        nRows: 10,
        columns: [
          { name: "a", type: "numeric", nullable: false, missingShare: 0, distinctCount: 10 },
          { name: "b", type: "numeric", nullable: false, missingShare: 0, distinctCount: 10 },
        ],
      },
      { scale: true },
    );
    expect(description).toEqual(["numeric (2 columns): median impute, standard scale"]);
  });
});

describe("prepFromSpec", () => {
  it("builds the spec's steps; numbers match the default preparation column by column", () => {
    const X = penguins.drop(["species"]);
    const pipe = prepFromSpec([
      { kind: "simpleImputer", params: { strategy: "median" } },
      { kind: "standardScaler", params: {}, columns: "numeric" },
      { kind: "simpleImputer", params: { strategy: "mostFrequent" }, columns: ["island", "sex"] },
      { kind: "oneHotEncoder", params: { unknown: "ignore" } },
    ]);
    expect(pipe.steps.map(([n]) => n)).toEqual([
      "0-simpleImputer",
      "1-standardScaler",
      "2-simpleImputer",
      "3-oneHotEncoder",
    ]);
    const Z = pipe.fitTransform(X);
    const D = defaultPrep(X, { scale: true }).pipeline.fitTransform(X);
    expect([...Z.names].sort()).toEqual([...D.names].sort());
    for (const n of D.names) expect(Array.from(Z.numeric(n)), n).toEqual(Array.from(D.numeric(n)));
    const back = roundTrip<Pipeline>(pipe);
    expect(bits(back.transform(X))).toEqual(bits(Z));
  });

  it("names the step index, the kind and the valid kinds for an unknown kind", () => {
    const err = expectError(
      () =>
        prepFromSpec([
          { kind: "standardScaler", params: {} },
          { kind: "pca", params: {} },
        ]),
      "E_PREP_UNKNOWN_KIND",
      "step 1",
      '"pca"',
    );
    expect(err.where).toBe("prep[1].kind");
    expect(err.fix).toContain("oneHotEncoder");
    expect(err.fix).toContain("outlierClipper");
  });

  it("names the step index, the kind and the valid params for bad params", () => {
    const err = expectError(
      () => prepFromSpec([{ kind: "minMaxScaler", params: { range: [0, 1] } }]),
      "E_PREP_PARAMS",
      "step 0",
      "minMaxScaler",
    );
    expect(err.where).toBe("prep[0].params");
    expect(err.fix).toContain("featureRange");
  });

  it("an empty list passes the data through", () => {
    expect(prepFromSpec([]).fitTransform(num).names).toEqual(PENGUIN_NUM);
  });
});
