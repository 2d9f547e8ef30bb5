import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { churnSpec, copyChurnData, listDir, smallSpec, tempDir, writeSpec } from "./helpers.js";
import { expectCleanError, runAsync as run } from "./run.js";

const goodCsv = "a,b,y\n1,x,0\n2,y,1\n3,x,0\n4,y,1\n5,x,0\n6,y,1\n";

/** A temp dir with a data file and a small spec over it. */
function project(data: string | Buffer, extra: Record<string, unknown> = {}, target = "y"): string {
  const dir = tempDir();
  writeFileSync(join(dir, "d.csv"), data);
  writeSpec(dir, smallSpec("d.csv", target, extra));
  return dir;
}

describe.concurrent("bad input gives one clear message", () => {
  it("missing data file", async () => {
    const dir = tempDir();
    writeSpec(dir, smallSpec("nope.csv"));
    const err = expectCleanError(await run(["profile"], dir));
    expect(err).toContain("nope.csv");
  });

  it("empty file", async () => {
    const err = expectCleanError(await run(["profile"], project("")));
    expect(err).toMatch(/empty/i);
  });

  it("header-only file", async () => {
    const err = expectCleanError(await run(["profile"], project("a,b,y\n")));
    expect(err).toMatch(/no (data )?rows|empty|header/i);
  });

  it("non-UTF-8 file", async () => {
    const dir = project(Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0xe9, 0x0a]), {}, "b");
    const err = expectCleanError(await run(["profile"], dir));
    expect(err).toMatch(/UTF-8/i);
  });

  it("ragged CSV rows name the line", async () => {
    const err = expectCleanError(await run(["profile"], project("a,b,y\n1,x,0\n2,y\n3,x,0\n")));
    expect(err).toMatch(/line 3|:3\b/);
  });

  it("malformed YAML names the line", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "mlship.yaml"), "name: x\ntask: binary\ntarget: [y\nmetric: a: b\n");
    const err = expectCleanError(await run(["validate"], dir));
    expect(err).toMatch(/mlship\.yaml:\d+/);
  });

  it("an unknown spec field suggests the closest one", async () => {
    const dir = project(goodCsv, { modles: [] });
    const err = expectCleanError(await run(["validate"], dir));
    expect(err).toContain("modles");
    expect(err).toMatch(/did you mean .?models/i);
  });

  it("an unknown column in the spec fails validation, suggesting the real name", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    const spec = churnSpec();
    spec.features = { exclude: ["tenur"] };
    writeSpec(dir, spec);
    const r = await run(["validate"], dir);
    expect(r.status).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toContain("tenur");
    expect(out).toContain("tenure");
    expect(r.stderr).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
  });

  it("a target with one class", async () => {
    const r = await run(["validate"], project("a,y\n1,0\n2,0\n3,0\n4,0\n"));
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/target `y` has 1 class, expected exactly 2/);
  });

  it("a target with missing values", async () => {
    const r = await run(["validate"], project("a,y\n1,0\n2,1\n3,\n4,1\n5,0\n"));
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/missing/i);
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
      const err = expectCleanError(await run(["profile"], dir));
      expect(err).toMatch(/did not answer within 300 ms/);
      expect(err).toContain(url);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("a postgres source whose urlEnv is unset names the variable", async () => {
    const dir = tempDir();
    writeSpec(dir, {
      ...smallSpec("x"),
      data: { sources: [{ kind: "postgres", urlEnv: "MLSHIP_TEST_UNSET_PG_URL", query: "select 1" }] },
    });
    const err = expectCleanError(await run(["profile"], dir));
    expect(err).toContain("MLSHIP_TEST_UNSET_PG_URL");
  });

  it("--chunk-rows 0 is refused", async () => {
    const dir = tempDir();
    const r = await run(
      ["predict", "-m", "m.mlship", "-d", "d.csv", "-o", "p.csv", "--chunk-rows", "0"],
      dir,
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("--chunk-rows");
    expect(listDir(dir)).toEqual([]);
  });
});
