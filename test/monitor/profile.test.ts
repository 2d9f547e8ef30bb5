/**
 * Reference profiles on their own: the seeded sample, PII features (counts only, never values, never
 * compared), categorical features with more levels than are kept, and windows compared with them.
 */
import { describe, expect, it } from "vitest";
import { categorical, Frame, numeric } from "../../src/core/frame.js";
import { Random } from "../../src/core/random.js";
import { driftAgainstProfile, prepareReference } from "../../src/monitor/against.js";
import {
  decodeProfile,
  encodeProfile,
  maxProfileLevels,
  profileFrame,
  sampleValues,
} from "../../src/monitor/profile.js";
import type { WindowColumn } from "../../src/monitor/window.js";

function frame(n: number, seed: number): Frame {
  const r = new Random(seed);
  const x = Float64Array.from({ length: n }, () => r.normal());
  const emails = Int32Array.from({ length: n }, (_, i) => i);
  const emailLevels = Array.from({ length: n }, (_, i) => `customer${i}@example.com`);
  // Most customers live in a few hundred cities, a long tail in the rest.
  const city = Int32Array.from({ length: n }, () =>
    Math.min(1499, Math.floor(-Math.log(1 - r.next()) * 250)),
  );
  const cityLevels = Array.from({ length: 1500 }, (_, i) => `city-${i}`);
  return new Frame([
    ["x", numeric(x)],
    ["email", categorical(emails, emailLevels)],
    ["city", categorical(city, cityLevels)],
  ]);
}

describe("the reference sample", () => {
  it("is bounded, seeded and keeps rows aligned across columns", () => {
    const f = frame(5000, 1);
    const a = profileFrame(f, { sampleRows: 500, bins: 10, seed: 42 });
    const b = profileFrame(f, { sampleRows: 500, bins: 10, seed: 42 });
    const c = profileFrame(f, { sampleRows: 500, bins: 10, seed: 43 });
    expect(a.sample).toMatchObject({ rows: 500, of: 5000, seed: 42 });
    expect(a.sample).toEqual(b.sample);
    expect(a.sample.columns.x).not.toEqual(c.sample.columns.x);
    // The same sampled rows in every column: x's sampled values are x at the sampled city rows.
    const xs = sampleValues(a.sample.columns.x) as Float64Array;
    const cities = sampleValues(a.sample.columns.city) as { codes: Int32Array };
    const all = f.numeric("x");
    const rows = [...all.keys()].filter((i) => xs.includes(all[i]));
    expect(rows).toHaveLength(500);
    expect(Array.from(cities.codes)).toEqual(rows.map((i) => f.categorical("city").codes[i]));
  });

  it("round-trips through its stored form, and a foreign document is refused", () => {
    const p = profileFrame(frame(300, 2), { sampleRows: 100, bins: 5, seed: 1 });
    const doc = { format: "mlship.profile/1", data: p } as never;
    expect(decodeProfile(encodeProfile(doc), "here")).toEqual(doc);
    expect(() => decodeProfile(Buffer.from('{"format":"other"}'), "here")).toThrow(
      /not one this mlship reads/,
    );
  });
});

describe("PII features", () => {
  it("keep only counts: no levels, no sample values; drift skips them and says why", () => {
    const f = frame(2000, 3);
    const p = profileFrame(f, { pii: ["email"], sampleRows: 200, bins: 10, seed: 1 });
    const email = p.features.find((x) => x.name === "email");
    expect(email).toEqual({ name: "email", type: "pii", columnType: "categorical", count: 2000, missing: 0 });
    expect(p.sample.columns.email).toBeUndefined();
    expect(JSON.stringify(p)).not.toContain("@example.com");
    // In the log the field holds keyed hashes; whatever they are, they are not compared.
    const hashed: WindowColumn = { type: "categorical", codes: new Int32Array(300), levels: ["3f9a0c"] };
    const r = driftAgainstProfile(prepareReference(p), new Map([["email", hashed]]), 300);
    expect(r.skipped).toEqual([
      { column: "email", reason: "PII: the prediction log holds keyed hashes, not values to compare" },
    ]);
    expect(r.features.map((x) => x.column)).toEqual(["x", "city"]);
  });
});

describe("categorical features with many levels", () => {
  it("keep the 1,000 most frequent and pool the rest; a window's unknown levels pool with them", () => {
    const f = frame(20_000, 4);
    const p = profileFrame(f, { sampleRows: 100, bins: 10, seed: 1 });
    const city = p.features.find((x) => x.name === "city");
    if (city?.type !== "categorical") throw new Error("categorical expected");
    expect(city.levels).toHaveLength(maxProfileLevels);
    expect(city.otherLevels).toBeGreaterThan(0);
    expect(city.otherCount).toBeGreaterThan(0);
    expect(city.count).toBe(20_000);
    expect(city.counts.reduce((a, b) => a + b, 0) + city.otherCount).toBe(20_000);
    // Counts descend, so the kept levels are the most frequent ones.
    for (let i = 1; i < city.counts.length; i++)
      expect(city.counts[i]).toBeLessThanOrEqual(city.counts[i - 1]);

    // The training rows again, with every city the profile pooled renamed to one it never heard of:
    // the renamed ones pool with the rest of the tail, so the distance is exactly 0.
    const kept = new Set(city.levels);
    const rows = f.categorical("city");
    const renamed = rows.levels.map((l) => (kept.has(l) ? l : `unheard-of-${l}`));
    const stable = driftAgainstProfile(
      prepareReference(p),
      new Map([["city", { type: "categorical", codes: rows.codes, levels: renamed } as WindowColumn]]),
      20_000,
      { columns: ["city"] },
    );
    expect(stable.features[0]).toMatchObject({
      column: "city",
      test: "jensenshannon",
      distance: 0,
      drifted: false,
    });
    // A window of cities the training data never saw lands in the pooled bucket, which then swells.
    const fresh: WindowColumn = {
      type: "categorical",
      codes: Int32Array.from({ length: 5000 }, (_, i) => i % 50),
      levels: Array.from({ length: 50 }, (_, i) => `new-city-${i}`),
    };
    const moved = driftAgainstProfile(prepareReference(p), new Map([["city", fresh]]), 5000, {
      columns: ["city"],
    });
    expect(moved.features[0].drifted).toBe(true);
  });
});
