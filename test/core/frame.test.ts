import { describe, expect, it } from "vitest";
import { asCategorical, boolean, categorical, datetime, Frame, numeric } from "../../src/core/frame.js";

function sample(): Frame {
  return Frame.fromColumns({
    x: numeric(Float64Array.from([1, Number.NaN, 3, 4])),
    c: categorical(Int32Array.from([0, 1, -1, 0]), ["a", "b"]),
    b: boolean(Int8Array.from([1, 0, -1, 1])),
    t: datetime(Float64Array.from([0, 86_400_000, Number.NaN, 1])),
  });
}

describe("Frame", () => {
  it("keeps explicit row count, order and types", () => {
    const f = sample();
    expect(f.nRows).toBe(4);
    expect(f.names).toEqual(["x", "c", "b", "t"]);
    expect(f.types()).toEqual({ x: "numeric", c: "categorical", b: "boolean", t: "datetime" });
  });

  it("selects columns without copying them", () => {
    const f = sample();
    const s = f.select(["c", "x"]);
    expect(s.names).toEqual(["c", "x"]);
    expect(s.numeric("x")).toBe(f.numeric("x"));
  });

  it("slices rows as views on the same buffers", () => {
    const f = sample();
    const s = f.slice(1, 3);
    expect(s.nRows).toBe(2);
    expect(s.numeric("x").buffer).toBe(f.numeric("x").buffer);
    expect(Array.from(s.categorical("c").codes)).toEqual([1, -1]);
  });

  it("take copies only the rows taken, in order", () => {
    const f = sample();
    const t = f.take([3, 0]);
    expect(t.nRows).toBe(2);
    expect(t.numeric("x").length).toBe(2);
    expect(Array.from(t.numeric("x"))).toEqual([4, 1]);
    expect(t.rows()).toEqual([
      { x: 4, c: "a", b: true, t: "1970-01-01T00:00:00.001Z" },
      { x: 1, c: "a", b: true, t: "1970-01-01T00:00:00.000Z" },
    ]);
    expect(() => f.take([4])).toThrow(/out of range/);
  });

  it("reports missing values as null in rows", () => {
    expect(sample().rows(1, 3)).toEqual([
      { x: null, c: "b", b: false, t: "1970-01-02T00:00:00.000Z" },
      { x: 3, c: null, b: null, t: null },
    ]);
  });

  it("refuses mismatched lengths, duplicate names and unknown columns with clear errors", () => {
    expect(
      () =>
        new Frame([
          ["a", numeric(new Float64Array(2))],
          ["b", numeric(new Float64Array(3))],
        ]),
    ).toThrow(/column "b" has 3 rows, expected 2/);
    expect(
      () =>
        new Frame([
          ["a", numeric(new Float64Array(2))],
          ["a", numeric(new Float64Array(2))],
        ]),
    ).toThrow(/duplicate column name "a"/);
    expect(() => sample().column("nope")).toThrow(/unknown column "nope"/);
    expect(() => sample().numeric("c")).toThrow(/is categorical, expected numeric/);
  });

  it("builds a column-major matrix from numeric and boolean columns", () => {
    const m = sample().toMatrix(["x", "b"]);
    expect(m.nRows).toBe(4);
    expect(Array.from(m.data)).toEqual([1, Number.NaN, 3, 4, 1, 0, Number.NaN, 1]);
    expect(() => sample().toMatrix(["c"])).toThrow(/categorical/);
  });
});

describe("asCategorical", () => {
  it("turns numeric labels into classes in numeric order and booleans into false/true", () => {
    const c = asCategorical(numeric(Float64Array.from([10, 2, Number.NaN, 2])));
    expect(c.levels).toEqual(["2", "10"]);
    expect(Array.from(c.codes)).toEqual([1, 0, -1, 0]);
    const b = asCategorical(boolean(Int8Array.from([1, 0, -1])));
    expect(b.levels).toEqual(["false", "true"]);
    expect(Array.from(b.codes)).toEqual([1, 0, -1]);
  });

  it("Frame.of shares one name index among frames built with the same names array", () => {
    const names = ["x", "y"];
    const col = () => numeric(Float64Array.from([1, 2]));
    const a = Frame.of(names, [col(), col()]);
    const b = Frame.of(names, [col(), col()]);
    expect(a.names).toBe(b.names);
    expect(a.names).toEqual(["x", "y"]);
    expect(Object.isFrozen(a.names)).toBe(true);
    expect(a.nRows).toBe(2);
    expect(b.column("y")).not.toBe(a.column("y"));
    // A frame's own names serve as the key too (slices, selections of all its columns).
    expect(a.slice(0, 1).names).toBe(a.names);
    // An array changed since it was first seen gets a layout of its current names, not the old one.
    names[1] = "z";
    const c = Frame.of(names, [col(), col()]);
    expect(c.names).toEqual(["x", "z"]);
    expect(c.has("y")).toBe(false);
    expect(c.column("z")).toBeDefined();
    expect(() => Frame.of(["x", "x"], [col(), col()])).toThrow(/duplicate column name "x"/);
    expect(() => Frame.of(["x"], [col(), col()])).toThrow(/1 column names for 2 columns/);
    expect(() => Frame.of(["x", "y"], [col(), numeric(new Float64Array(3))])).toThrow(
      /column "y" has 3 rows, expected 2/,
    );
    // The public constructor is unaffected by a Frame.of that failed.
    expect(new Frame([["q", col()]]).names).toEqual(["q"]);
  });
});
