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
import { binPath, expectUserError, run } from "../cli/run.js";

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

  it("refuses a bad port as a usage error", async () => {
    const r = await run(["serve", "--port", "http", "--store", storeIn()], tmpdir());
    expectUserError(r, { exit: 2, where: false });
    expect(r.stderr).toContain("--port must be a whole number");
  });
});
