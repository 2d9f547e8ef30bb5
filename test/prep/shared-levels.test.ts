/**
 * Frames whose categorical columns share one levels array from call to call (SharedLevels, as the
 * server reads JSON rows): levels in order of appearance, with levels a row does not use, which the
 * preparation caches its per-level tables by. Scoring rows one at a time that way must give the bits
 * that scoring them all at once gives, and an unseen level must still be refused or ignored by the
 * encoder's rule.
 */
import { describe, expect, it } from "vitest";
import { type CategoricalColumn, type Column, categorical, Frame } from "../../src/core/frame.js";
import { isClassifier } from "../../src/core/protocol.js";
import { encodeStrings, SharedLevels } from "../../src/data/index.js";
import { LogisticRegression } from "../../src/models/linear/index.js";
import { defaultPrep, OneHotEncoder, Pipeline, SimpleImputer } from "../../src/prep/index.js";
import { loadXy } from "../support/fixtures.js";

const strings = (c: CategoricalColumn): Array<string | null> =>
  Array.from(c.codes, (k) => (k < 0 ? null : c.levels[k]));

describe("SharedLevels", () => {
  it("gives every call the same levels array until a new level appears, then a longer one", () => {
    const shared = new SharedLevels();
    const a = shared.encode(["b", null, "a"]);
    expect(a.levels).toEqual(["b", "a"]);
    expect(Array.from(a.codes)).toEqual([0, -1, 1]);
    const b = shared.encode(["a", "a"]);
    expect(b.levels).toBe(a.levels);
    expect(Array.from(b.codes)).toEqual([1, 1]);
    const c = shared.encode(["c", "b"]);
    expect(c.levels).toEqual(["b", "a", "c"]);
    expect(Array.from(c.codes)).toEqual([2, 0]);
    // Earlier frames keep the array they were encoded with.
    expect(a.levels).toEqual(["b", "a"]);
    expect(shared.encode(["c"]).levels).toBe(c.levels);
  });

  it("falls back to encodeStrings past its most levels, keeping those it took", () => {
    const shared = new SharedLevels(2);
    shared.encode(["x"]);
    // "z" is taken as the second level; "y" would be a third.
    expect(shared.encode(["z", "y", "x"])).toEqual(encodeStrings(["z", "y", "x"]));
    const kept = shared.encode(["z", "x"]);
    expect(kept.levels).toEqual(["x", "z"]);
    expect(Array.from(kept.codes)).toEqual([1, 0]);
    expect(shared.encode(["x"]).levels).toBe(kept.levels);
    expect(shared.encode(["y", null])).toEqual(encodeStrings(["y", null]));
  });
});

describe("scoring rows one at a time on shared levels", () => {
  const { X, y } = loadXy("penguins.csv", "species", true);
  const pipe = new Pipeline([
    ...defaultPrep(X, { scale: true }).pipeline.steps,
    ["model", new LogisticRegression({ c: 1, maxIter: 1000 })],
  ]).fit(X, y);

  /** Row i of X as its own frame, categorical columns encoded by `shared` (one per column). */
  const rowFrame = (i: number, shared: Map<string, SharedLevels>): Frame =>
    new Frame(
      X.entries().map(([name, c]): [string, Column] => {
        if (c.type !== "categorical") return [name, X.slice(i, i + 1).column(name)];
        let s = shared.get(name);
        if (s === undefined) {
          s = new SharedLevels();
          shared.set(name, s);
        }
        const { codes, levels } = s.encode(strings(c).slice(i, i + 1));
        return [name, categorical(codes, levels)];
      }),
    );

  it("gives the probabilities, bit for bit, that scoring every row at once gives", () => {
    if (!isClassifier(pipe)) return expect.fail("not a classifier");
    const all = pipe.predictWithProba(X);
    const k = pipe.classes.length;
    const shared = new Map<string, SharedLevels>();
    // Backwards, so levels appear in another order than the training data's; rows with a missing
    // sex go through the imputer's fill.
    let missingRows = 0;
    for (let i = X.nRows - 1; i >= 0; i--) {
      const one = pipe.predictWithProba(rowFrame(i, shared));
      expect(Array.from(one.proba), `row ${i}`).toEqual(Array.from(all.proba.subarray(i * k, (i + 1) * k)));
      const label = one.labels as CategoricalColumn;
      const labels = all.labels as CategoricalColumn;
      expect(label.levels[label.codes[0]]).toBe(labels.levels[labels.codes[i]]);
      if (X.categorical("sex").codes[i] < 0) missingRows++;
    }
    expect(missingRows).toBeGreaterThan(0);
  });

  it("keeps the encoder's rule for levels unseen at fit", () => {
    const strict = new OneHotEncoder({ unknown: "error" }).fit(X.select(["island"]));
    const shared = new SharedLevels();
    const seen = shared.encode(["Dream"]);
    const frame = (codes: Int32Array, levels: readonly string[]) =>
      new Frame([["island", categorical(codes, levels)]]);
    expect(strict.transform(frame(seen.codes, seen.levels)).numeric("island=Dream")[0]).toBe(1);
    const unseen = shared.encode(["Atlantis", "Dream"]);
    expect(() => strict.transform(frame(unseen.codes, unseen.levels))).toThrow(/Atlantis/);
    // Same dictionary, only known levels used: the cached table still encodes them.
    const again = shared.encode(["Dream", "Biscoe"]);
    const out = strict.transform(frame(again.codes, again.levels));
    expect(Array.from(out.numeric("island=Biscoe"))).toEqual([0, 1]);
    expect(Array.from(out.numeric("island=Dream"))).toEqual([1, 0]);
    const lenient = new OneHotEncoder({ unknown: "ignore" }).fit(X.select(["island"]));
    const zeros = lenient.transform(frame(unseen.codes, unseen.levels));
    expect(zeros.names.map((n) => zeros.numeric(n)[0])).toEqual([0, 0, 0]);
  });

  it("leaves a complete column as it is even when the fill is not among its levels", () => {
    const imputer = new SimpleImputer({ strategy: "mostFrequent" }).fit(X.select(["sex"]));
    const c = categorical(Int32Array.from([0]), ["female"]);
    const fill = imputer.state.columns[0].fill;
    expect(fill).toBe("male");
    expect(imputer.transform(new Frame([["sex", c]])).column("sex")).toBe(c);
    const filled = imputer.transform(new Frame([["sex", categorical(Int32Array.from([-1]), ["female"])]]));
    expect(strings(filled.categorical("sex"))).toEqual(["male"]);
  });
});
