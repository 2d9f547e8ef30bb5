/**
 * `mlship serve` as a process, stopped by SIGTERM the moment its last prediction is answered: every
 * answered row is in the store once it has exited, also when another process held the store's write
 * lock meanwhile (the batches went to the spool, and the shutdown replays them once the lock is free).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { binPath } from "../cli/run.js";
import { holdWriteLock, until } from "./log-helpers.js";
import { penguin, penguins, register } from "./predict-helpers.js";

async function serve(path: string) {
  if (!existsSync(binPath)) throw new Error(`${binPath} does not exist: run npm run build first`);
  const child = spawn(
    process.execPath,
    [binPath, "serve", "--store", path, "--port", "0", "--log-level", "silent"],
    {
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 30_000);
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const m = / on (http:\/\/\S+) \(docs/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stdout.resume();
  });
  return { child, exit, url };
}

const predictMany = (url: string, n: number) =>
  Promise.all(
    Array.from({ length: n }, () =>
      fetch(`${url}/v1/models/penguins/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records: [penguin, penguin, penguin] }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { requestId: string } })),
    ),
  );

function loggedIds(path: string): string[] {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare("select request_id from prediction_log").all() as Array<{ request_id: string }>;
  db.close();
  return rows.map((r) => r.request_id);
}

for (const locked of [false, true]) {
  it(`flushes every answered prediction to the store on SIGTERM${locked ? ", from the spool when the store was locked" : ""}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlship-sigterm-"));
    const path = join(dir, "store.db");
    let server: Awaited<ReturnType<typeof serve>> | undefined;
    try {
      const store = await openStore(path);
      await register(store, "penguins", await penguins.logistic(), "champion");
      await store.close();
      server = await serve(path);
      const { child, exit, url } = server;
      const lock = locked ? holdWriteLock(path) : undefined;
      const answers = await predictMany(url, 100);
      if (lock) {
        // Let some batches reach the spool (after the log's 1 s lock wait) before stopping.
        await until(() => existsSync(`${path}.spool`) && readdirSync(`${path}.spool`).length > 0);
      }
      child.kill("SIGTERM");
      lock?.release();
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(await exit).toBe(0);

      const ids = loggedIds(path);
      expect(ids).toHaveLength(300);
      expect(new Set(ids)).toEqual(new Set(answers.map((a) => a.body.requestId)));
      expect(existsSync(`${path}.spool`) ? readdirSync(`${path}.spool`) : []).toEqual([]);
    } finally {
      // A failed assertion must not leave the server running after the test.
      if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
}
