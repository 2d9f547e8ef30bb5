import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { listDir, removeTempDirs, tempDir } from "./helpers.js";
import { expectNoStack, run } from "./run.js";

afterAll(removeTempDirs);

const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

const commandOptions: Record<string, string[]> = {
  init: ["--data", "--target", "--name", "--out", "--force", "--json"],
  profile: ["--spec", "--json"],
  validate: ["--spec", "--json"],
  prep: ["--spec", "--out", "--transformed", "--json"],
  train: ["--spec", "--out", "--json"],
  predict: ["--model", "--data", "--out", "--id", "--chunk-rows", "--json"],
  schema: ["--help"],
  demo: ["--spec"],
};

describe.concurrent("mlship help, version and usage errors", () => {
  const cwd = tempDir();

  it("--help lists every command and the global options", async () => {
    const r = await run(["--help"], cwd);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: mlship");
    for (const c of Object.keys(commandOptions)) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, "m"));
    expect(r.stdout).toContain("--version");
    expect(r.stdout).toContain("--help");
  });

  for (const [command, options] of Object.entries(commandOptions)) {
    it(`${command} --help mentions its options`, async () => {
      const r = await run([command, "--help"], cwd);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: mlship ${command}`);
      for (const o of options) expect(r.stdout).toContain(o);
    });
  }

  it("--version prints package.json's version", async () => {
    const r = await run(["--version"], cwd);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("an unknown command exits 2 and suggests the closest", async () => {
    const r = await run(["trian"], cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'trian'");
    expect(r.stderr).toContain("train");
    expectNoStack(r);
  });

  it("a missing required option exits 2 and names it", async () => {
    const r = await run(["init", "--data", "x.csv"], cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/required option '--target <column>' not specified/);
    expectNoStack(r);
    expect(listDir(cwd)).toEqual([]);
  });

  it("an unknown option exits 2 and names it", async () => {
    const r = await run(["validate", "--spce", "mlship.yaml"], cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--spce");
    expectNoStack(r);
  });

  it("schema prints a JSON Schema of the spec with metric", async () => {
    const r = await run(["schema"], cwd);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, { type?: string }> };
    expect(j.$schema).toMatch(/json-schema/);
    for (const field of ["metric", "target", "data", "models"]) expect(j.properties).toHaveProperty(field);
    expect(j.properties.metric.type).toBe("object");
  });
});
