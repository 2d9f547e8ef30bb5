import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import type { Frame } from "../../src/core/frame.js";
import { collect, concatFrames, frameFromRecords, joinFrames } from "../../src/data/index.js";

const dir = mkdtempSync(join(tmpdir(), "mlship-data-combine-"));
beforeAll(() => {
  writeFileSync(join(dir, "jan.csv"), "id,plan,spend\n1,basic,10\n2,premium,20\n");
  writeFileSync(join(dir, "feb.csv"), "id,spend,region,plan\n3,30,north,gold\n4,,south,basic\n");
  writeFileSync(join(dir, "regions.csv"), "region,zone\nnorth,A\nsouth,B\n");
  writeFileSync(join(dir, "bad.csv"), "id,plan\nx,basic\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const values = (f: Frame, name: string) => f.rows().map((r) => r[name]);

describe("concat", () => {
  it("unions columns by name, fills missing ones, merges levels", async () => {
    const ds = await collect(
      {
        data: {
          sources: [
            { kind: "file", path: "jan.csv" },
            { kind: "file", path: "feb.csv" },
          ],
          combine: { type: "concat" },
        },
      },
      { baseDir: dir },
    );
    const f = ds.frame;
    expect(f.names).toEqual(["id", "plan", "spend", "region"]);
    expect(values(f, "id")).toEqual([1, 2, 3, 4]);
    expect(values(f, "plan")).toEqual(["basic", "premium", "gold", "basic"]);
    expect(f.categorical("plan").levels).toEqual(["basic", "gold", "premium"]);
    expect(values(f, "spend")).toEqual([10, 20, 30, null]);
    expect(values(f, "region")).toEqual([null, null, "north", "south"]);
    expect(ds.sources).toEqual(["file jan.csv", "file feb.csv"]);
  });

  it("widens booleans to numbers and lets an all-missing column take the other type", () => {
    const a = frameFromRecords([
      { x: true, y: null },
      { x: false, y: null },
    ]);
    const b = frameFromRecords([{ x: 2.5, y: "k" }]);
    const f = concatFrames([a, b]);
    expect(f.types()).toEqual({ x: "numeric", y: "categorical" });
    expect(values(f, "x")).toEqual([1, 0, 2.5]);
    expect(values(f, "y")).toEqual([null, null, "k"]);
  });

  it("refuses disagreeing types, naming column and sources", async () => {
    const err = await collect(
      {
        data: {
          sources: [
            { kind: "file", path: "jan.csv" },
            { kind: "file", path: "bad.csv" },
          ],
          combine: { type: "concat" },
        },
      },
      { baseDir: dir },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlshipError);
    expect((err as MlshipError).code).toBe("E_DATA_COMBINE_TYPE");
    expect((err as MlshipError).what).toBe(
      'column "id" is numeric in source 1 (file jan.csv) but categorical in source 2 (file bad.csv)',
    );
  });
});

describe("join", () => {
  const people = frameFromRecords([
    { id: 1, region: "north" },
    { id: 2, region: "east" },
    { id: 3, region: "south" },
    { id: 4, region: null },
  ]);
  const zones = frameFromRecords([
    { region: "south", zone: "B", id: 99 },
    { region: "north", zone: "A", id: 98 },
  ]);

  it("inner join keeps matching rows in left order; clashing names get a suffix", () => {
    const f = joinFrames([people, zones], "region", "inner");
    expect(f.names).toEqual(["id", "region", "zone", "id_2"]);
    expect(values(f, "id")).toEqual([1, 3]);
    expect(values(f, "zone")).toEqual(["A", "B"]);
    expect(values(f, "id_2")).toEqual([98, 99]);
  });

  it("left join keeps every row, missing where unmatched", () => {
    const f = joinFrames([people, zones], "region", "left");
    expect(values(f, "id")).toEqual([1, 2, 3, 4]);
    expect(values(f, "zone")).toEqual(["A", null, "B", null]);
  });

  it("joins files through collect, reporting progress per source", async () => {
    const events: string[] = [];
    const ds = await collect(
      {
        data: {
          sources: [
            { kind: "file", path: "feb.csv" },
            { kind: "file", path: "regions.csv" },
          ],
          combine: { type: "join", on: "region", how: "inner" },
        },
      },
      {
        baseDir: dir,
        onProgress: (e) =>
          events.push(e.phase === "sourceDone" ? `${e.phase} ${e.index} ${e.rows}` : e.phase),
      },
    );
    expect(events).toEqual(["source", "sourceDone 0 2", "source", "sourceDone 1 2", "combine"]);
    expect(values(ds.frame, "zone")).toEqual(["A", "B"]);
    expect(ds.schema.nRows).toBe(2);
  });

  it("refuses duplicate keys on the right and a missing key column", () => {
    const dup = frameFromRecords([{ region: "north" }, { region: "north" }]);
    expect(() => joinFrames([people, dup], "region", "inner")).toThrow(/not unique/);
    expect(() => joinFrames([people, zones], "nope", "inner")).toThrow(/missing from source 1/);
  });
});
