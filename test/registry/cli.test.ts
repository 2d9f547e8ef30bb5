import { mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelVersion } from "../../src/registry/index.js";
import { openStore } from "../../src/store/index.js";
import { createRun, getOrCreateExperiment, logArtifact } from "../../src/track/index.js";
import { removeTempDirs, smallSpec, tempDir, writeSpec } from "../cli/helpers.js";
import { expectUserError, run } from "../cli/run.js";
import { bytes, evaluation } from "./helpers.js";

afterAll(removeTempDirs);

const env = { MLSHIP_STORE: "" };

/** A project folder with a spec named "small" and a store holding three versions of it. */
async function project(threshold = 0.8): Promise<{ dir: string; store: string }> {
  const dir = tempDir();
  writeSpec(dir, smallSpec("d.csv", "y", { metric: { primary: "roc_auc", threshold } }));
  const store = join(dir, ".mlship", "store.db");
  mkdirSync(join(dir, ".mlship"));
  const s = await openStore(store);
  for (const score of [0.85, 0.7, 0.9]) {
    await createModelVersion(s, {
      name: "small",
      artifact: bytes(`m${score}`),
      evaluation: evaluation(score),
      actor: "ci",
    });
  }
  await s.close();
  return { dir, store };
}

const json = (text: string) => JSON.parse(text) as Record<string, never>;

describe.concurrent("mlship models", () => {
  let p: { dir: string; store: string };
  beforeAll(async () => {
    p = await project();
  });

  it("list and show find the store beside the spec, or take --store", async () => {
    const list = await run(["models", "list", "--json"], p.dir, env);
    expect(list.status, list.stderr).toBe(0);
    expect(json(list.stdout).models).toMatchObject([{ name: "small", latestVersion: 3 }]);
    const human = await run(["models", "list", "--store", p.store], tempDir(), env);
    expect(human.stderr).toMatch(/small\s+v3/);
    const show = await run(["models", "show", "small", "--json"], p.dir, env);
    expect((json(show.stdout).versions as Array<{ version: number }>).map((v) => v.version)).toEqual([
      3, 2, 1,
    ]);
    const one = await run(["models", "show", "small", "2"], p.dir, env);
    expect(one.status).toBe(0);
    expect(one.stderr).toContain("small v2");
    expect(one.stderr).toContain("does not meet the spec");
    const latest = await run(["models", "show", "small", "latest", "--json"], p.dir, env);
    expect(json(latest.stdout).version).toMatchObject({ version: 3 });
  });

  it("promote, rollback and history: guarded, audited with the OS user", async () => {
    const { dir } = await project();
    const models = (...args: string[]) => run(["models", ...args], dir, env);
    expect(expectUserError(await models("promote", "small", "2", "--reason", "try"))).toContain(
      "cannot be champion",
    );
    expect(expectUserError(await models("promote", "small", "2", "--force"))).toContain(
      "--force needs a reason",
    );
    const forced = await models(
      "promote",
      "small",
      "2",
      "--force",
      "--reason",
      "pilot ✓ 'it''s'; --",
      "--json",
    );
    expect(forced.status, forced.stderr).toBe(0);
    expect(json(forced.stdout).event).toMatchObject({
      toVersion: 2,
      forced: true,
      reason: "pilot ✓ 'it''s'; --",
    });
    expect((await models("promote", "small", "1")).stderr).toContain("small @champion: v2 -> v1");
    expect((await models("promote", "small", "3", "--alias", "champion")).status).toBe(0);
    expect((await models("promote", "small", "3")).stderr).toContain("nothing changed");
    expect((await models("rollback", "small", "--reason", "alert")).stderr).toContain("v3 -> v1");
    expect((await models("rollback", "small")).stderr).toContain("v1 -> v2");
    expect(expectUserError(await models("rollback", "small"))).toContain("nothing to roll back to");
    const history = await models("history", "small", "--alias", "champion", "--json");
    const events = json(history.stdout).events as Array<Record<string, unknown>>;
    expect(events.map((e) => [e.action, e.fromVersion, e.toVersion])).toEqual([
      ["set-alias", null, 2],
      ["set-alias", 2, 1],
      ["set-alias", 1, 3],
      ["rollback", 3, 1],
      ["rollback", 1, 2],
    ]);
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set([userInfo().username]));
    const human = await models("history", "small");
    expect(human.stderr).toMatch(/rollback\s+champion\s+v3\s+v1\s+alert/);
  });

  it("register adds a tracked run's model to the spec's registered model", async () => {
    const { dir, store } = await project();
    const s = await openStore(store);
    const experiment = await getOrCreateExperiment(s, "other-name");
    const tracked = await createRun(s, { experimentId: experiment.experimentId });
    await logArtifact(s, tracked.runId, "model.mlship", "bytes");
    await s.close();
    const r = await run(["models", "register", tracked.runId, "--json"], dir, env);
    expect(r.status, r.stderr).toBe(0);
    expect(json(r.stdout).version).toMatchObject({ name: "small", version: 4, runId: tracked.runId });
    const named = await run(["models", "register", tracked.runId, "--name", "Modèle"], dir, env);
    expect(named.stderr).toContain("registered Modèle v1");
    expect(expectUserError(await run(["models", "register", "f".repeat(32)], dir, env))).toContain("run");
  });

  it("judges champion against today's spec", async () => {
    const strict = await project(0.95);
    const r = await run(["models", "promote", "small", "3"], strict.dir, env);
    expect(expectUserError(r)).toContain("misses the threshold (>= 0.95)");
  });

  it("bad input: clear errors, never a stack", async () => {
    const models = (...args: string[]) => run(["models", ...args, "--store", p.store], tempDir(), env);
    expect(expectUserError(await models("promote", "small", "0"))).toContain("not a version number");
    expect(expectUserError(await models("promote", "small", "1.5"))).toContain("not a version number");
    expect(expectUserError(await models("promote", "small", "abc"))).toContain("not a version number");
    expect(expectUserError(await models("promote", "nope", "1"))).toContain('no registered model "nope"');
    expect(expectUserError(await models("promote", "small", "9"))).toContain("has no version 9");
    expect(expectUserError(await models("promote", "x'; drop table runs; --", "1"))).toContain(
      "not a valid model name",
    );
    expect(expectUserError(await models("show", "small", "champion"))).toContain('no alias "champion"');
    expect(expectUserError(await models("list", "--filter", "name LIKE"))).toContain("filter");
    const missing = await run(["models", "list", "--store", join(tempDir(), "none.db")], tempDir(), env);
    expect(expectUserError(missing)).toContain("no store here yet");
    const json = await models("promote", "small", "0", "--json");
    expect(JSON.parse(json.stdout).error.code).toBe("E_INVALID_VERSION");
  });
});
