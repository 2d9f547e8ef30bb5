/**
 * The commands of automatic retraining, as a user runs them (the built CLI, real processes, a real
 * server on loopback, one store): `mlship serve --watch` with the loop on its thread, `mlship simulate
 * --follow` sending the churn story as traffic and waiting for the decision, `mlship watch --once
 * --json`, and `mlship monitor events` showing what was decided. The story's outcome depends on when
 * the loop looks, so the checks are that every view of the decision agrees with the store.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { getRegisteredModel } from "../../src/registry/index.js";
import { openStore } from "../../src/store/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "dist/cli/bin.js");
const dir = mkdtempSync(join(tmpdir(), "mlship-watch-cli-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

// The store beside the spec, whatever the caller's environment names.
const { MLSHIP_STORE: _, ...inherited } = process.env;
const env = { ...inherited, NO_COLOR: "1" };
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env });

describe("mlship serve --watch, simulate --follow, watch --once", () => {
  it("finds the price rise through the server's loop, and every command reports the same decision", async () => {
    copyFileSync(join(root, "examples/churn/wa_churn.csv"), join(dir, "wa_churn.csv"));
    const spec = parse(readFileSync(join(root, "examples/churn/mlship.yaml"), "utf8"));
    // One quick model, and a loop that looks every 2 s instead of every minute.
    spec.models = [{ kind: "logisticRegression", params: { c: 1.0, maxIter: 1000 } }];
    spec.retraining.every = "2s";
    const specPath = join(dir, "mlship.yaml");
    writeFileSync(specPath, stringify(spec));

    const train = cli("train", "--spec", specPath);
    expect(train.status, train.stderr.slice(-2000)).toBe(0);

    // stdout carries the access log; nobody reads it here, and a full pipe would stall the server.
    const server = spawn(process.execPath, [bin, "serve", "--spec", specPath, "--port", "0", "--watch"], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(server);
    let log = "";
    server.stderr?.setEncoding("utf8");
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start:\n${log}`)), 60_000);
      server.stderr?.on("data", (d: string) => {
        log += d;
        const m = log.match(/ on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m && log.includes("watch: retraining")) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      server.once("exit", (code) => reject(new Error(`the server exited ${code}:\n${log}`)));
    });

    const simulated = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const p = spawn(
          process.execPath,
          [bin, "simulate", "--url", url, "--follow", "--follow-timeout", "300", "--json"],
          { env },
        );
        children.push(p);
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (d) => {
          stdout += d;
        });
        p.stderr.on("data", (d) => {
          stderr += d;
        });
        p.once("exit", (status) => resolve({ status, stdout, stderr }));
      },
    );
    expect(simulated.status, simulated.stderr.slice(-2000)).toBe(0);
    // stdout is the JSON summary alone; the decision is told on stderr.
    const summary = JSON.parse(simulated.stdout) as { customers: number; requests: number };
    expect(summary).toMatchObject({ customers: 4500, requests: 225 });
    const told = simulated.stderr.match(/^(promoted|refused|failed): (.+)$/m);
    expect(told, simulated.stderr.slice(-2000)).not.toBeNull();
    const [, outcome, message] = told!;
    expect(outcome).not.toBe("failed");

    const events = cli("monitor", "events", "--spec", specPath, "--type", "decision", "--json");
    expect(events.status, events.stderr).toBe(0);
    const decisions = (JSON.parse(events.stdout) as { events: Array<{ status: string; message: string }> })
      .events;
    expect(decisions.find((e) => e.status === outcome)?.message).toBe(message);
    expect(log).toContain(`watch: `);
    expect(log).toContain(`${outcome}: ${message}`);

    {
      await using store = await openStore(join(dir, ".mlship/store.db"), { create: false });
      const model = await getRegisteredModel(store, "telco_churn");
      expect(model.aliases.champion).toBe(outcome === "promoted" ? 2 : 1);
    }

    // A second watcher on the same store, for one look: the server's loop retrained moments ago.
    const once = cli("watch", "--once", "--json", "--spec", specPath);
    expect(once.status, once.stderr).toBe(0);
    const round = JSON.parse(once.stdout) as { model: string; action: string; champion: number };
    expect(round.model).toBe("telco_churn");
    expect(round.champion).toBe(outcome === "promoted" ? 2 : 1);
    expect(["none", "skipped", "guard-running", "guard-ended"]).toContain(round.action);

    const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 600_000);

  it("says what is missing when the spec has no retraining policy, without a stack trace", () => {
    const bare = parse(readFileSync(join(root, "examples/churn/mlship.yaml"), "utf8"));
    delete bare.retraining;
    const specPath = join(dir, "bare.yaml");
    writeFileSync(specPath, stringify(bare));
    const r = cli("watch", "--once", "--spec", specPath, "--store", join(dir, ".mlship/store.db"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("the spec has no retraining section");
    expect(r.stderr).toContain("fix:");
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });
});
