/**
 * `mlship serve` as a process: it creates the store when there is none, answers /livez, warns when it
 * listens beyond loopback with --insecure, and on SIGTERM or SIGINT stops cleanly, closing the store (exit 0).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { binPath, expectUserError, run } from "../cli/run.js";
import { penguin, penguins, register } from "./predict-helpers.js";

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function serve(args: string[]): Promise<Served> {
  if (!existsSync(binPath)) throw new Error(`${binPath} does not exist: run npm run build first`);
  const child = spawn(process.execPath, [binPath, "serve", "--port", "0", "--log-level", "silent", ...args], {
    env: { ...process.env, NO_COLOR: "1", MLSHIP_DEBUG: "" },
  });
  let stderr = "";
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 30_000);
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const m = / on (http:\/\/\S+) \(docs/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], stderr: () => stderr, exit });
      }
    });
    child.stdout.resume();
    child.on("close", () => reject(new Error(`serve exited early: ${stderr}`)));
  });
}

const storeIn = () => join(mkdtempSync(join(tmpdir(), "mlship-serve-cli-")), "nested", "store.db");

describe("mlship serve", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`starts on a new store, answers /livez and stops on ${signal} with the store closed`, async () => {
      const store = storeIn();
      const served = await serve(["--store", store]);
      expect(served.stderr()).toContain(store);
      expect(served.stderr()).not.toContain("warning");
      const live = await fetch(`${served.url}/livez`);
      expect(await live.json()).toEqual({ status: "ok" });
      const created = await fetch(`${served.url}/api/v1/experiments`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "persisted" }),
      });
      expect(created.status).toBe(201);
      served.child.kill(signal);
      expect(await served.exit).toBe(0);
      expect(served.stderr()).toContain(`${signal}: shutting down`);
      // Closed cleanly: no WAL left behind, and what was acknowledged is in the file.
      expect(existsSync(`${store}-wal`)).toBe(false);
      const db = new Database(store, { readonly: true });
      expect(db.prepare("select name from experiments").all()).toEqual([{ name: "persisted" }]);
      db.close();
    });
  }

  it("listens beyond loopback on a store without keys only with --insecure, and warns", async () => {
    const served = await serve(["--store", storeIn(), "--host", "0.0.0.0", "--insecure"]);
    expect(served.stderr()).toMatch(/warning: listening on 0\.0\.0\.0 without authentication \(--insecure\)/);
    served.child.kill("SIGTERM");
    expect(await served.exit).toBe(0);
  });

  it("takes the body and rows limits from --body-limit and --max-rows; batches stream past them", async () => {
    const path = storeIn();
    const store = await openStore(path);
    await register(store, "penguins", await penguins.logistic(), "champion");
    await store.close();
    const served = await serve(["--store", path, "--body-limit", "2k", "--max-rows", "3"]);
    try {
      const post = (body: string, type = "application/json") =>
        fetch(`${served.url}/v1/models/penguins/predict`, {
          method: "POST",
          headers: { "content-type": type },
          body,
        });
      const code = async (r: Response) => ((await r.json()) as { error: { code: string } }).error.code;
      const body = JSON.stringify({ records: Array(30).fill(penguin) });
      expect(body.length).toBeGreaterThan(2048);
      const big = await post(body);
      expect(big.status).toBe(413);
      expect(await code(big)).toBe("E_INVALID_BODY_TOO_LARGE");
      const four = await post(JSON.stringify({ records: Array(4).fill(penguin) }));
      expect(four.status).toBe(400);
      expect(await code(four)).toBe("E_INVALID_TOO_MANY_ROWS");
      expect((await post(JSON.stringify({ records: Array(3).fill(penguin) }))).status).toBe(200);
      const csv = `${Object.keys(penguin).join(",")}\n${`${Object.values(penguin).join(",")}\n`.repeat(100)}`;
      expect(csv.length).toBeGreaterThan(2048);
      const batch = await post(csv, "text/csv");
      expect(batch.status).toBe(200);
      expect((await batch.text()).trim().split("\n")).toHaveLength(101);
    } finally {
      served.child.kill("SIGTERM");
    }
    expect(await served.exit).toBe(0);
    for (const bad of ["lots", "0", "-5m", "2q"]) {
      const r = await run(["serve", "--body-limit", bad, "--store", storeIn()], tmpdir());
      expectUserError(r, { exit: 2, where: false });
      expect(r.stderr).toContain(
        `--body-limit must be a size in bytes, or with k or m for KiB and MiB, got ${bad}`,
      );
    }
  }, 60_000);

  it("refuses a bad port as a usage error", async () => {
    const r = await run(["serve", "--port", "http", "--store", storeIn()], tmpdir());
    expectUserError(r, { exit: 2, where: false });
    expect(r.stderr).toContain("--port must be a whole number");
  });
});
