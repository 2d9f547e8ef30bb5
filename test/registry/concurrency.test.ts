import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { aliasHistory, searchModelVersions } from "../../src/registry/index.js";
import { cleanUp, freshStore, tempDir } from "./helpers.js";

afterEach(cleanUp);

const dist = fileURLToPath(new URL("../../dist/", import.meta.url));

/** A separate Node process registering `count` versions of "churn" and promoting each to an alias. */
function registerer(storePath: string, who: string, count: number): Promise<string> {
  const script = `
    const { openStore } = await import(${JSON.stringify(join(dist, "store/index.js"))});
    const { createModelVersion, setAlias } = await import(${JSON.stringify(join(dist, "registry/index.js"))});
    const store = await openStore(${JSON.stringify(storePath)});
    const versions = [];
    for (let i = 0; i < ${count}; i++) {
      const v = await createModelVersion(store, { name: "churn", artifact: new TextEncoder().encode("${who}" + i), actor: "${who}" });
      await setAlias(store, { name: "churn", alias: "challenger", version: v.version, actor: "${who}" });
      versions.push(v.version);
    }
    await store.close();
    process.stdout.write(JSON.stringify(versions));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${who} exited ${code}: ${err}`)),
    );
  });
}

describe("two processes registering at once", () => {
  it("never hand out the same version number and record every alias move", async () => {
    if (!existsSync(join(dist, "registry/index.js")))
      throw new Error("dist/ is missing: run npm run build first");
    const path = join(tempDir(), "store.db");
    const [a, b] = await Promise.all([registerer(path, "alice", 25), registerer(path, "bob", 25)]);
    const got = [...JSON.parse(a), ...JSON.parse(b)] as number[];
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const store = await freshStore(path);
    const { versions } = await searchModelVersions(store, { name: "churn", maxResults: 1000 });
    expect(versions).toHaveLength(50);
    const history = await aliasHistory(store, "churn", "challenger");
    expect(history).toHaveLength(50);
    // Each move starts where the previous one ended: no move was lost or interleaved.
    for (let i = 1; i < history.length; i++) expect(history[i].fromVersion).toBe(history[i - 1].toVersion);
  });
});
