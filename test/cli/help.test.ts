import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";
import { runAsync as run } from "./run.js";

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
};

describe.concurrent("mlship help, version and usage errors", () => {
  const cwd = tempDir();

  it("--help lists every command", async () => {
    const r = await run(["--help"], cwd);
    expect(r.status).toBe(0);
    for (const c of [...Object.keys(commandOptions), "demo"])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, "m"));
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

  it("an unknown command exits 2", async () => {
    const r = await run(["trian"], cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'trian'/);
  });

  it("a missing required option exits 2 and names it", async () => {
    const r = await run(["init", "--data", "x.csv"], cwd);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--target");
  });
});
