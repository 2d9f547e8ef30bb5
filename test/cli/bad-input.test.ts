import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  churnSpec,
  copyChurnData,
  listDir,
  removeTempDirs,
  smallSpec,
  tempDir,
  writeSpec,
} from "./helpers.js";
import { expectNoStack, expectUserError, run } from "./run.js";

afterAll(removeTempDirs);

/** A temp dir with `d.csv` and `mlship.yaml` (a small binary spec over it). */
function project(data: string | Buffer, target = "y", extra: Record<string, unknown> = {}): string {
  const dir = tempDir();
  writeFileSync(join(dir, "d.csv"), data);
  writeSpec(dir, smallSpec("d.csv", target, extra));
  return dir;
}

describe.concurrent("bad input gives one clear message and a non-zero exit", () => {
  it("missing data file", async () => {
    const dir = tempDir();
    writeSpec(dir, smallSpec("nope.csv"));
    const err = expectUserError(await run(["validate", "--spec", "mlship.yaml"], dir));
    expect(err).toContain("error: data file not found");
    expect(err).toMatch(/where: .*nope\.csv$/m);
    expect(err).toContain("check the path");
    expect(listDir(dir)).toEqual(["mlship.yaml"]);
  });

  it("empty (0-byte) file", async () => {
    const dir = project("");
    const err = expectUserError(await run(["profile", "--spec", "mlship.yaml"], dir));
    expect(err).toContain("error: data file is empty (0 bytes)");
    expect(err).toMatch(/where: .*d\.csv$/m);
    expect(listDir(dir)).toEqual(["d.csv", "mlship.yaml"]);
  });

  it("header-only file", async () => {
    const dir = project("a,b,y\n");
    const err = expectUserError(await run(["validate", "--spec", "mlship.yaml"], dir));
    expect(listDir(dir)).toEqual(["d.csv", "mlship.yaml"]);
    expect(err).toContain("error: data file has a header line but no data rows");
    expect(err).toMatch(/where: .*d\.csv$/m);
    expect(err).toContain("export the data again");
  });

  it("non-UTF-8 file names the line and how to re-encode", async () => {
    const dir = project(Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0xe9, 0x0a]), "b");
    const err = expectUserError(await run(["profile", "--spec", "mlship.yaml"], dir));
    expect(err).toContain("file is not valid UTF-8");
    expect(err).toContain("byte offset 6 (line 2)");
    expect(err).toMatch(/where: .*d\.csv:2$/m);
    expect(err).toMatch(/fix: .*UTF-8/);
    expect(listDir(dir)).toEqual(["d.csv", "mlship.yaml"]);
  });

  it("ragged CSV rows name the line", async () => {
    const dir = project("a,b,y\n1,x,0\n2,y\n3,x,0\n");
    const err = expectUserError(await run(["validate", "--spec", "mlship.yaml"], dir));
    expect(err).toContain("row on line 3 has 2 fields, expected 3 like the header");
    expect(err).toMatch(/where: .*d\.csv:3$/m);
    expect(listDir(dir)).toEqual(["d.csv", "mlship.yaml"]);
  });

  it("malformed YAML names the line", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "mlship.yaml"), "name: x\ntask: binary\ntarget: [y\nmetric: a: b\n");
    const err = expectUserError(await run(["validate", "--spec", "mlship.yaml"], dir));
    expect(err).toMatch(/error: .*mlship\.yaml is not valid YAML/);
    expect(err).toMatch(/where: .*mlship\.yaml:4:1$/m);
    expect(listDir(dir)).toEqual(["mlship.yaml"]);
  });

  it("an unknown spec field suggests the closest one", async () => {
    const dir = project("a,y\n1,0\n2,1\n", "y", { modles: [] });
    const err = expectUserError(await run(["validate", "--spec", "mlship.yaml"], dir));
    expect(err).toContain("unknown field `modles`");
    expect(err).toMatch(/where: .*mlship\.yaml:\d+:\d+$/m);
    expect(err).toContain("did you mean `models`?");
  });

  it("an unknown column in the spec fails validation, suggesting the real name", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    writeSpec(dir, { ...churnSpec(), features: { exclude: ["tenur"] } });
    const r = await run(["validate", "--spec", "mlship.yaml"], dir);
    expect(r.status).toBe(1);
    expectNoStack(r);
    const out = r.stdout + r.stderr;
    expect(out).toContain(
      "features.exclude names column `tenur`, which the data does not have; did you mean `tenure`?",
    );
    expect(out).toContain("Validation FAILED: 1 error");
  });

  it("a target with one class", async () => {
    const dir = project("a,y\n1,0\n2,0\n3,0\n4,0\n");
    const r = await run(["validate", "--spec", "mlship.yaml"], dir);
    expect(listDir(dir)).toEqual(["d.csv", "mlship.yaml"]);
    expect(r.status).toBe(1);
    expectNoStack(r);
    expect(r.stderr).toContain("target `y` has 1 class, expected exactly 2: 0 (4)");
    expect(r.stderr).toContain("Validation FAILED");
  });

  it("a target with missing values", async () => {
    const r = await run(["validate", "--spec", "mlship.yaml"], project("a,y\n1,0\n2,1\n3,\n4,1\n5,0\n"));
    expect(r.status).toBe(1);
    expectNoStack(r);
    expect(r.stderr).toContain("target `y` is missing in 1 of 5 rows (20%)");
  });

  it("an HTTP source that never answers times out, naming the URL", async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const dir = tempDir();
      writeSpec(dir, {
        ...smallSpec("x"),
        data: { sources: [{ kind: "http", url, timeoutMs: 300, retries: 1 }] },
      });
      const started = Date.now();
      const err = expectUserError(await run(["profile", "--spec", "mlship.yaml"], dir));
      // retries: 1 means two attempts, each cut off at timeoutMs.
      expect(err).toContain("error: the data API did not answer within 300 ms (2 attempts)");
      expect(err).toContain(`where: ${url}`);
      expect(err).toMatch(/fix: .*timeoutMs/);
      // Two attempts of 300 ms each, not a hang until some default timeout.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(listDir(dir)).toEqual(["mlship.yaml"]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("a postgres source whose urlEnv is unset names the variable", async () => {
    expect(process.env.MLSHIP_TEST_UNSET_PG_URL).toBeUndefined();
    const dir = tempDir();
    writeSpec(dir, {
      ...smallSpec("x"),
      data: { sources: [{ kind: "postgres", urlEnv: "MLSHIP_TEST_UNSET_PG_URL", query: "select 1" }] },
    });
    const err = expectUserError(await run(["profile", "--spec", "mlship.yaml"], dir));
    expect(err).toContain("error: environment variable MLSHIP_TEST_UNSET_PG_URL is not set");
    expect(err).toMatch(/where: .*postgres/);
    expect(err).toMatch(/fix: +export MLSHIP_TEST_UNSET_PG_URL=postgres:\/\//);
  });

  it("--chunk-rows 0 is a usage error (exit 2) and writes nothing", async () => {
    const dir = tempDir();
    const r = await run(
      ["predict", "--model", "m.mlship", "--data", "d.csv", "--out", "p.csv", "--chunk-rows", "0"],
      dir,
    );
    const err = expectUserError(r, { exit: 2, where: false });
    expect(err).toContain("--chunk-rows must be a positive whole number, got 0");
    expect(listDir(dir)).toEqual([]);
  });

  it("--chunk-rows 10k is refused by name rather than read as 10", async () => {
    const dir = tempDir();
    const r = await run(
      ["predict", "--model", "m.mlship", "--data", "d.csv", "--out", "p.csv", "--chunk-rows", "10k"],
      dir,
    );
    const err = expectUserError(r, { exit: 2, where: false });
    expect(err).toContain("--chunk-rows must be a positive whole number, got 10k");
    expect(listDir(dir)).toEqual([]);
  });
});

describe("mlship predict refuses bad models and data", () => {
  const dir = tempDir();
  let model: Buffer;
  const rows = 120;

  beforeAll(async () => {
    // A tiny learnable problem so the model trains in a blink: y depends on a and b.
    const lines = ["id,a,b,y"];
    for (let i = 0; i < rows; i++) {
      const a = ((i * 37) % 101) / 10;
      const b = i % 3 === 0 ? "red" : "blue";
      lines.push(`k${i},${a},${b},${a + (b === "red" ? 2 : 0) > 6 ? 1 : 0}`);
    }
    writeFileSync(join(dir, "d.csv"), `${lines.join("\n")}\n`);
    writeSpec(dir, smallSpec("d.csv", "y", { features: { exclude: ["id"] } }));
    const r = await run(["train", "--spec", "mlship.yaml", "--out", "m.mlship", "--json"], dir);
    expect(r.status, r.stderr).toBe(0);
    model = readFileSync(join(dir, "m.mlship"));
  }, 60_000);

  const outputs = () => listDir(dir).filter((f) => f.startsWith("out"));

  it.concurrent("a truncated artifact is refused", async () => {
    writeFileSync(join(dir, "trunc.mlship"), model.subarray(0, Math.floor(model.length / 2)));
    const err = expectUserError(
      await run(["predict", "--model", "trunc.mlship", "--data", "d.csv", "--out", "out-t.csv"], dir),
    );
    expect(err).toContain("the model artifact is damaged");
    expect(err).toMatch(/payload is \d+ bytes, the header says \d+ \(truncated\?\)/);
    expect(err).toMatch(/fix: .*mlship train/);
    expect(err).toMatch(/where: .*trunc\.mlship/);
    expect(outputs()).toEqual([]);
  });

  it.concurrent("a tampered artifact is refused by its checksum", async () => {
    const tampered = Buffer.from(model);
    tampered[tampered.length - 10] ^= 0xff;
    writeFileSync(join(dir, "tamp.mlship"), tampered);
    const err = expectUserError(
      await run(["predict", "--model", "tamp.mlship", "--data", "d.csv", "--out", "out-e.csv"], dir),
    );
    expect(err).toContain("checksum mismatch: the payload was modified after it was written");
    expect(err).toMatch(/where: .*tamp\.mlship/);
    expect(outputs()).toEqual([]);
  });

  it.concurrent("an --out in a folder that does not exist yet is created, not an internal error", async () => {
    const r = await run(
      ["predict", "--model", "m.mlship", "--data", "d.csv", "--out", "new/sub/p.csv", "--id", "id"],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    expectNoStack(r);
    const lines = readFileSync(join(dir, "new/sub/p.csv"), "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("id,prediction,proba_0,proba_1");
    expect(lines).toHaveLength(rows + 1);
    expect(listDir(join(dir, "new/sub"))).toEqual(["p.csv"]);
  });

  it.concurrent("data missing a column the model needs names it and leaves no output", async () => {
    const text = readFileSync(join(dir, "d.csv"), "utf8");
    const noA = text
      .trimEnd()
      .split("\n")
      .map((l) =>
        l
          .split(",")
          .filter((_, k) => k !== 1)
          .join(","),
      )
      .join("\n");
    writeFileSync(join(dir, "no-a.csv"), `${noA}\n`);
    const err = expectUserError(
      await run(["predict", "--model", "m.mlship", "--data", "no-a.csv", "--out", "out-m.csv"], dir),
    );
    expect(err).toContain('the data does not match the model\'s input schema: missing column "a"');
    expect(err).toMatch(/where: .*no-a\.csv$/m);
    expect(outputs()).toEqual([]);
  });
});
