import { describe, expect, it } from "vitest";
import { categorical, Frame, numeric } from "../../src/core/frame.js";
import {
  compareLevels,
  fingerprint,
  frameFromRecords,
  inferSchema,
  parseIsoDate,
} from "../../src/data/index.js";

describe("frameFromRecords", () => {
  it("infers numeric, categorical, boolean and datetime columns", () => {
    const f = frameFromRecords([
      { n: 1, s: "b", b: true, d: "2024-05-06", mixed: 1 },
      { n: 2.5, s: "a", b: false, d: "2024-05-07T08:09:10.5+02:00", mixed: "x" },
      { s: null, extra: "late" },
    ]);
    expect(f.names).toEqual(["n", "s", "b", "d", "mixed", "extra"]);
    expect(f.types()).toEqual({
      n: "numeric",
      s: "categorical",
      b: "boolean",
      d: "datetime",
      mixed: "categorical",
      extra: "categorical",
    });
    expect([...f.numeric("n")]).toEqual([1, 2.5, Number.NaN]);
    // Levels are sorted (code point order), not in order of appearance.
    expect(f.categorical("s").levels).toEqual(["a", "b"]);
    expect([...f.categorical("s").codes]).toEqual([1, 0, -1]);
    expect(f.rows().map((r) => r.d)).toEqual(["2024-05-06T00:00:00.000Z", "2024-05-07T06:09:10.500Z", null]);
    expect(f.categorical("mixed").levels).toEqual(["1", "x"]);
  });

  it("parses ISO dates as UTC and rejects non-dates", () => {
    expect(parseIsoDate("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    expect(parseIsoDate("2024-01-02 03:04:05")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseIsoDate("2024-01-02T03:04:05-0130")).toBe(Date.UTC(2024, 0, 2, 4, 34, 5));
    expect(parseIsoDate("2023-02-29")).toBeNaN();
    expect(parseIsoDate("12/01/2024")).toBeNaN();
  });

  it("sorts levels by code point, beyond the BMP too", () => {
    const levels = ["\u{1F600}", "\uFF21", "b", "B", "ab"].sort(compareLevels);
    expect(levels).toEqual(["B", "ab", "b", "\uFF21", "\u{1F600}"]);
  });
});

describe("inferSchema", () => {
  it("describes each column", () => {
    const f = frameFromRecords([
      { x: 3, c: "u", b: true },
      { x: -1, c: "v", b: null },
      { x: 3, c: "u", b: true },
      { x: null, c: null, b: false },
    ]);
    expect(inferSchema(f)).toEqual({
      nRows: 4,
      columns: [
        { name: "x", type: "numeric", nullable: true, missingShare: 0.25, distinctCount: 2, min: -1, max: 3 },
        {
          name: "c",
          type: "categorical",
          nullable: true,
          missingShare: 0.25,
          distinctCount: 2,
          levels: ["u", "v"],
        },
        { name: "b", type: "boolean", nullable: true, missingShare: 0.25, distinctCount: 2 },
      ],
    });
  });

  it("counts distinct numbers exactly on a large column", () => {
    const v = new Float64Array(200_000);
    for (let i = 0; i < v.length; i++) v[i] = (i * 7919) % 50_021;
    v[5] = Number.NaN;
    v[6] = -0;
    const expected = new Set([...v].filter((x) => !Number.isNaN(x))).size;
    const s = inferSchema(new Frame([["v", numeric(v)]]));
    expect(s.columns[0].distinctCount).toBe(expected);
  });
});

describe("fingerprint", () => {
  it("ignores level order and unused levels but not values, names or types", () => {
    const a = new Frame([["c", categorical(Int32Array.from([0, 1, -1]), ["x", "y"])]]);
    const b = new Frame([["c", categorical(Int32Array.from([2, 0, -1]), ["y", "unused", "x"])]]);
    expect(fingerprint(a)).toBe(fingerprint(b));
    const c = new Frame([["c", categorical(Int32Array.from([1, 0, -1]), ["x", "y"])]]);
    expect(fingerprint(c)).not.toBe(fingerprint(a));
    expect(fingerprint(a.rename({ c: "d" }))).not.toBe(fingerprint(a));
    const n1 = new Frame([["v", numeric(Float64Array.from([0, Number.NaN]))]]);
    const n2 = new Frame([["v", numeric(Float64Array.from([-0, Number.NaN]))]]);
    expect(fingerprint(n1)).toBe(fingerprint(n2));
    const d = new Frame([["v", { type: "datetime", values: Float64Array.from([0, Number.NaN]) }]]);
    expect(fingerprint(d)).not.toBe(fingerprint(n1));
  });
});

describe("Frame sharing", () => {
  it("select and slice share buffers; take copies only the rows taken", () => {
    const f = frameFromRecords([
      { a: 1, s: "x" },
      { a: 2, s: "y" },
      { a: 3, s: "x" },
    ]);
    const sel = f.select(["a"]);
    expect(sel.numeric("a").buffer).toBe(f.numeric("a").buffer);
    const sl = f.slice(1, 3);
    expect(sl.numeric("a").buffer).toBe(f.numeric("a").buffer);
    expect(sl.categorical("s").codes.buffer).toBe(f.categorical("s").codes.buffer);
    expect([...sl.numeric("a")]).toEqual([2, 3]);
    const tk = f.take([2, 0]);
    expect(tk.numeric("a").buffer).not.toBe(f.numeric("a").buffer);
    expect(tk.numeric("a").length).toBe(2);
    expect([...tk.numeric("a")]).toEqual([3, 1]);
  });
});
