import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, smallSpec, tempDir, writeSpec } from "../cli/helpers.js";
import { run } from "../cli/run.js";

afterAll(removeTempDirs);

const env = { MLSHIP_STORE: "" };

/** 200 rows where y follows x1 with some noise: any model clears accuracy 0.6. */
function project(registry: Record<string, unknown>, threshold = 0.6): string {
  const dir = tempDir();
  const rows = ["x1,x2,y"];
  for (let i = 0; i < 200; i++) {
    const x1 = (i * 37) % 100;
    const flip = i % 10 === 0;
    rows.push(`${x1},${(i * 13) % 7},${(x1 > 50) !== flip ? "yes" : "no"}`);
  }
  writeFileSync(join(dir, "d.csv"), `${rows.join("\n")}\n`);
  writeSpec(dir, smallSpec("d.csv", "y", { metric: { primary: "accuracy", threshold }, registry }));
  return dir;
}

describe("mlship train registers its best model", () => {
  it("promote: ifBetter makes the first qualifying model champion, and keeps it when the next is no better", async () => {
    const dir = project({ promote: "ifBetter" });
    const first = await run(["train", "--json"], dir, env);
    expect(first.status, first.stderr).toBe(0);
    const one = JSON.parse(first.stdout);
    expect(one.registration).toMatchObject({
      name: "small",
      version: 1,
      promoted: true,
      champion: { after: 1 },
    });
    const second = await run(["train"], dir, env);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/registered small v2; champion stays v1: accuracy \S+ vs \S+/);
    const history = JSON.parse((await run(["models", "history", "small", "--json"], dir, env)).stdout);
    expect(history.events).toHaveLength(1);
    expect(history.events[0].reason).toMatch(/^mlship train: no champion yet/);
    const shown = JSON.parse((await run(["models", "show", "small", "champion", "--json"], dir, env)).stdout);
    expect(shown.version).toMatchObject({
      version: 1,
      runId: one.runId,
      dataFingerprint: one.data.fingerprint,
    });
  });

  it("registers without promoting by default, and says why", async () => {
    const dir = project({ model: "small-eu" });
    const r = await run(["train", "--json"], dir, env);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).registration).toMatchObject({
      name: "small-eu",
      version: 1,
      promoted: false,
      reason: "the spec's registry.promote is never",
    });
  });
});
