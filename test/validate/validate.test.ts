import { describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import { boolean, categorical, datetime, Frame, numeric } from "../../src/core/frame.js";
import { Random } from "../../src/core/random.js";
import { type Expectation, validate } from "../../src/validate/index.js";

/** Deterministic test data: values with NaN holes, codes with -1 holes. */
function randomNumeric(n: number, seed: number, missingEvery = 17): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: n }, (_, i) =>
    i % missingEvery === 3 ? Number.NaN : Math.round(rng.next() * 1000) / 10,
  );
}

function expectedFailures(n: number, fails: (i: number) => boolean): number[] {
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (fails(i)) rows.push(i);
  return rows;
}

const only = (frame: Frame, e: Expectation) => validate(frame, [e]).results[0];

describe("range", () => {
  const x = randomNumeric(500, 1);
  const frame = Frame.fromColumns({ x: numeric(x) });

  it("counts values outside [min, max] inclusive and ignores NaN", () => {
    const failing = expectedFailures(x.length, (i) => !Number.isNaN(x[i]) && (x[i] < 20 || x[i] > 80));
    const r = only(frame, { expect: "range", column: "x", min: 20, max: 80 });
    expect(failing.length).toBeGreaterThan(5);
    expect(r.status).toBe("failed");
    expect(r.severity).toBe("error");
    expect(r.failingRows).toBe(failing.length);
    expect(r.failingShare).toBeCloseTo(failing.length / 500, 12);
    expect(r.examples.map((e) => e.row)).toEqual(failing.slice(0, 5));
    expect(r.examples.map((e) => e.value)).toEqual(failing.slice(0, 5).map((i) => x[i]));
  });

  it("passes when the bounds are the observed extremes", () => {
    const finite = [...x].filter((v) => !Number.isNaN(v));
    const r = only(frame, {
      expect: "range",
      column: "x",
      min: Math.min(...finite),
      max: Math.max(...finite),
    });
    expect(r.status).toBe("passed");
    expect(r.failingRows).toBe(0);
    expect(r.examples).toEqual([]);
  });

  it("checks datetimes in epoch milliseconds and reports ISO values", () => {
    const t = Float64Array.from([
      Date.UTC(2024, 0, 1),
      Number.NaN,
      Date.UTC(2026, 5, 1),
      Date.UTC(2023, 2, 3),
    ]);
    const r = only(Frame.fromColumns({ t: datetime(t) }), {
      expect: "range",
      column: "t",
      min: Date.UTC(2024, 0, 1),
      max: Date.UTC(2025, 0, 1),
    });
    expect(r.failingRows).toBe(2);
    expect(r.examples.map((e) => [e.row, e.value])).toEqual([
      [2, "2026-06-01T00:00:00.000Z"],
      [3, "2023-03-03T00:00:00.000Z"],
    ]);
    expect(r.message).toContain("2024-01-01T00:00:00.000Z");
  });

  it("fails clearly on a categorical column", () => {
    const f = Frame.fromColumns({ c: categorical(Int32Array.from([0, 1]), ["a", "b"]) });
    const r = only(f, { expect: "range", column: "c", min: 0 });
    expect(r.status).toBe("failed");
    expect(r.failingRows).toBeNull();
    expect(r.message).toBe("range applies to numeric or datetime columns, but `c` is categorical");
  });

  it("keeps infinite values readable in JSON", () => {
    const f = Frame.fromColumns({ x: numeric(Float64Array.from([1, Number.POSITIVE_INFINITY])) });
    const r = only(f, { expect: "range", column: "x", max: 10 });
    expect(JSON.parse(JSON.stringify(r)).examples[0].value).toBe("Infinity");
  });
});

describe("allowedValues", () => {
  const levels = ["a", "b", "c", "unused"];
  const rng = new Random(7);
  const codes = Int32Array.from({ length: 400 }, () => Math.floor(rng.next() * 4) - 1).map((c) =>
    c === 3 ? 2 : c,
  );
  const frame = Frame.fromColumns({ c: categorical(codes, levels) });

  it("counts categorical rows outside the allowed levels, ignoring missing, and names the levels", () => {
    const failing = expectedFailures(codes.length, (i) => codes[i] === 2);
    const r = only(frame, { expect: "allowedValues", column: "c", values: ["a", "b"] });
    expect(r.failingRows).toBe(failing.length);
    expect(r.examples.map((e) => e.row)).toEqual(failing.slice(0, 5));
    expect(r.examples.every((e) => e.value === "c")).toBe(true);
    expect(r.message).toContain(`"c" (${failing.length})`);
  });

  it("compares categorical levels as text", () => {
    const f = Frame.fromColumns({ c: categorical(Int32Array.from([0, 1, 2]), ["0", "1", "2"]) });
    expect(only(f, { expect: "allowedValues", column: "c", values: [0, 1] }).failingRows).toBe(1);
  });

  it("checks numeric and boolean columns", () => {
    const f = Frame.fromColumns({
      n: numeric(Float64Array.from([0, 1, 2, Number.NaN, 1, 5])),
      b: boolean(Int8Array.from([1, 0, -1, 1, 1, 0])),
    });
    const n = only(f, { expect: "allowedValues", column: "n", values: [0, 1] });
    expect([n.failingRows, n.examples.map((e) => e.row)]).toEqual([2, [2, 5]]);
    const b = only(f, { expect: "allowedValues", column: "b", values: [true] });
    expect([b.failingRows, b.examples.map((e) => e.row), b.examples[0].value]).toEqual([2, [1, 5], false]);
  });
});

describe("maxMissingShare", () => {
  const x = randomNumeric(340, 3); // every 17th value missing: exactly 20 of 340
  const frame = Frame.fromColumns({ x: numeric(x) });

  it("passes at the limit and fails just below it, with the missing rows as examples", () => {
    expect(only(frame, { expect: "maxMissingShare", column: "x", share: 20 / 340 }).status).toBe("passed");
    const r = only(frame, { expect: "maxMissingShare", column: "x", share: 0.05 });
    expect(r.status).toBe("failed");
    expect(r.failingRows).toBe(20);
    expect(r.examples.map((e) => e.row)).toEqual([3, 20, 37, 54, 71]);
    expect(r.examples.every((e) => e.value === null)).toBe(true);
  });

  it("counts missing categorical and boolean cells", () => {
    const f = Frame.fromColumns({
      c: categorical(Int32Array.from([-1, 0, -1, 0]), ["a"]),
      b: boolean(Int8Array.from([1, -1, 0, 0])),
    });
    expect(only(f, { expect: "maxMissingShare", column: "c", share: 0 }).failingRows).toBe(2);
    expect(only(f, { expect: "maxMissingShare", column: "b", share: 0 }).failingRows).toBe(1);
  });
});

describe("unique", () => {
  it("counts rows repeating an earlier value, never counting missing values", () => {
    const x = Float64Array.from({ length: 300 }, (_, i) => (i % 50 === 7 ? Number.NaN : (i * 7919) % 211));
    const seen = new Map<number, number>();
    const dups: Array<[number, number]> = [];
    x.forEach((v, i) => {
      if (Number.isNaN(v)) return;
      if (seen.has(v)) dups.push([i, seen.get(v)!]);
      else seen.set(v, i);
    });
    const r = only(Frame.fromColumns({ x: numeric(x) }), { expect: "unique", column: "x" });
    expect(r.failingRows).toBe(dups.length);
    expect(r.examples.map((e) => [e.row, e.duplicateOf])).toEqual(dups.slice(0, 5));
  });

  it("works on categorical codes and passes on distinct values", () => {
    const f = Frame.fromColumns({
      c: categorical(Int32Array.from([0, 1, -1, -1, 1, 2, 0]), ["x", "y", "z"]),
      id: numeric(Float64Array.from([1, 2, 3, 4, 5, 6, Number.NaN])),
    });
    const r = only(f, { expect: "unique", column: "c" });
    expect(r.failingRows).toBe(2);
    expect(r.examples).toEqual([
      { row: 4, value: "y", context: {}, duplicateOf: 1 },
      { row: 6, value: "x", context: {}, duplicateOf: 0 },
    ]);
    expect(only(f, { expect: "unique", column: "id" }).status).toBe("passed");
  });
});

describe("pattern", () => {
  const levels = ["AB123", "ab123", "XY9", "X-1", "ZZ0001"];
  const codes = Int32Array.from({ length: 200 }, (_, i) => (i % 13 === 0 ? -1 : (i * 3) % 5));
  const frame = Frame.fromColumns({ id: categorical(codes, levels) });

  it("tests each level once and counts rows per code (unanchored unless ^…$)", () => {
    const re = /^[A-Z]{2}[0-9]+$/;
    const failing = expectedFailures(codes.length, (i) => codes[i] >= 0 && !re.test(levels[codes[i]]));
    const r = only(frame, { expect: "pattern", column: "id", regex: "^[A-Z]{2}[0-9]+$" });
    expect(r.failingRows).toBe(failing.length);
    expect(r.examples.map((e) => [e.row, e.value])).toEqual(
      failing.slice(0, 5).map((i) => [i, levels[codes[i]]]),
    );
    expect(only(frame, { expect: "pattern", column: "id", regex: "[0-9]" }).status).toBe("passed");
  });

  it("rejects an invalid regex with an error naming the expectation", () => {
    const exps: Expectation[] = [
      { expect: "rowCount", min: 1 },
      { expect: "pattern", column: "id", regex: "([A-Z", origin: "validation.expectations[4]" },
    ];
    const err = (() => {
      try {
        validate(frame, exps);
      } catch (e) {
        return e;
      }
    })() as MlshipError;
    expect(err).toBeInstanceOf(MlshipError);
    expect(err.code).toBe("E_VALIDATION_PATTERN");
    expect(err.what).toMatch(/^expectation 1 \(pattern on `id`\) has an invalid regular expression/);
    expect(err.where).toBe("validation.expectations[4]");
  });
});

describe("type, rowCount, columnExists", () => {
  const frame = Frame.fromColumns({
    amount: categorical(Int32Array.from([0, 1, 2, 0, -1, 2]), ["12.5", "n/a", "7"]),
    tenure: numeric(Float64Array.from([1, 2, 3, 4, 5, 6])),
  });

  it("points at the text that kept a numeric column categorical", () => {
    const r = only(frame, { expect: "type", column: "amount", type: "numeric" });
    expect(r.status).toBe("failed");
    expect(r.failingRows).toBe(1);
    expect(r.examples.map((e) => [e.row, e.value])).toEqual([[1, "n/a"]]);
    expect(r.message).toMatch(/^`amount` is categorical, expected numeric/);
    const plain = only(frame, { expect: "type", column: "tenure", type: "boolean" });
    expect([plain.status, plain.failingRows, plain.message]).toEqual([
      "failed",
      null,
      "`tenure` is numeric, expected boolean",
    ]);
    expect(only(frame, { expect: "type", column: "tenure", type: "numeric" }).status).toBe("passed");
  });

  it("checks the row count bounds inclusively", () => {
    expect(only(frame, { expect: "rowCount", min: 6, max: 6 }).status).toBe("passed");
    expect(only(frame, { expect: "rowCount", min: 7 }).message).toBe(
      "the data has 6 rows, fewer than the required 7",
    );
    expect(only(frame, { expect: "rowCount", max: 5 }).status).toBe("failed");
  });

  it("suggests the closest column name", () => {
    expect(only(frame, { expect: "columnExists", column: "tenur" }).message).toBe(
      "column `tenur` does not exist; did you mean `tenure`?",
    );
    expect(only(frame, { expect: "columnExists", column: "Amount" }).message).toContain(
      "did you mean `amount`?",
    );
    expect(only(frame, { expect: "columnExists", column: "zzz" }).message).toBe(
      "column `zzz` does not exist",
    );
  });

  it("fails an expectation on a missing column, or skips it when columnExists already reports it", () => {
    const range: Expectation = { expect: "range", column: "tenur", min: 0 };
    expect(only(frame, range).status).toBe("failed");
    const report = validate(frame, [{ expect: "columnExists", column: "tenur" }, range]);
    expect(report.results.map((r) => r.status)).toEqual(["failed", "skipped"]);
    expect(report.summary).toEqual({ passed: 0, failed: 1, skipped: 1, errors: 1, warnings: 0 });
  });

  it("rejects an unknown expectation kind", () => {
    const bogus = { expect: "between", column: "tenure" } as unknown as Expectation;
    expect(() => validate(frame, [bogus])).toThrow(/expectation 0 has unknown kind "between"/);
  });
});

describe("report", () => {
  const frame = Frame.fromColumns({
    id: categorical(Int32Array.from([0, 1, 2, 2]), ["u1", "u2", "u3"]),
    email: categorical(Int32Array.from([0, 1, 2, 3]), ["a@x", "b@x", "c@x", "d@x"]),
    x: numeric(Float64Array.from([1, 50, 2, 3])),
  });

  it("is ok when only warnings fail, and not ok on an error", () => {
    const warn: Expectation = { expect: "range", column: "x", max: 10, severity: "warning" };
    const report = validate(frame, [warn]);
    expect(report.ok).toBe(true);
    expect(report.summary.warnings).toBe(1);
    expect(validate(frame, [{ ...warn, severity: "error" }]).ok).toBe(false);
  });

  it("shows the key columns with each example and redacts personal data", () => {
    const report = validate(
      frame,
      [
        { expect: "unique", column: "id" },
        { expect: "range", column: "x", max: 10 },
        { expect: "pattern", column: "email", regex: "^[ab]" },
      ],
      { redact: ["email"] },
    );
    expect(report.results[1].examples).toEqual([{ row: 1, value: 50, context: { id: "u2" } }]);
    expect(report.results[2].examples).toEqual([
      { row: 2, value: "[redacted]", context: { id: "u3" } },
      { row: 3, value: "[redacted]", context: { id: "u3" } },
    ]);
    const custom = validate(frame, [{ expect: "range", column: "x", max: 10 }], {
      keyColumns: ["email", "id"],
    });
    expect(custom.results[0].examples[0].context).toEqual({ email: "b@x", id: "u2" });
  });
});

describe("a million rows", () => {
  const n = 1_000_000;
  const rng = new Random(11);
  const x = Float64Array.from({ length: n }, () => rng.next() * 100);
  const codes = Int32Array.from({ length: n }, () => Math.floor(rng.next() * 5));
  const frame = Frame.fromColumns({
    x: numeric(x),
    c: categorical(codes, ["a", "b", "c", "d", "e"]),
    // 17 values repeat: rows 999_983.. hold 0..16 again; -0 equals 0.
    id: numeric(Float64Array.from({ length: n }, (_, i) => (i === 999_983 ? -0 : i % 999_983))),
  });

  it("runs the simple checks in well under a second", () => {
    const exps: Expectation[] = [
      { expect: "range", column: "x", min: 1, max: 99 },
      { expect: "maxMissingShare", column: "x", share: 0 },
      { expect: "allowedValues", column: "c", values: ["a", "b", "c"] },
      { expect: "pattern", column: "c", regex: "^[a-d]$" },
      { expect: "type", column: "c", type: "categorical" },
    ];
    validate(frame.slice(0, 1000), exps); // warm up the JIT
    const t0 = performance.now();
    const report = validate(frame, exps);
    const ms = performance.now() - t0;
    expect(report.results[0].failingRows).toBe(expectedFailures(n, (i) => x[i] < 1 || x[i] > 99).length);
    expect(report.results[2].failingRows).toBe(expectedFailures(n, (i) => codes[i] >= 3).length);
    expect(report.results[3].failingRows).toBe(expectedFailures(n, (i) => codes[i] === 4).length);
    expect(ms).toBeLessThan(1000);
  });

  it("finds the duplicates among a million numbers", () => {
    const r = only(frame, { expect: "unique", column: "id" });
    expect(r.failingRows).toBe(17);
    expect(r.examples.map((e) => [e.row, e.duplicateOf])).toEqual([
      [999_983, 0],
      [999_984, 1],
      [999_985, 2],
      [999_986, 3],
      [999_987, 4],
    ]);
    const sorted = Float64Array.from(x).sort();
    const repeats = expectedFailures(n, (i) => i > 0 && sorted[i] === sorted[i - 1]).length;
    expect(only(frame, { expect: "unique", column: "x" }).failingRows).toBe(repeats);
  });
});
