/**
 * The end of `npm start`: the production story, run for real (the built CLI, a real server on
 * loopback, the retraining loop on its worker thread, a real store), and its outcome checked against
 * what the store recorded: drift found, the challenger trained and compared on the last 500 customers
 * with a known outcome, the decision and its reasons, the champion moved (or not) accordingly, the
 * guard's verdict. Then the interactive ending: the server keeps answering until Ctrl-C stops it.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { listEvents } from "../../src/monitor/index.js";
import { aliasHistory, getRegisteredModel } from "../../src/registry/index.js";
import { openStore } from "../../src/store/index.js";
import { getRun } from "../../src/track/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "dist/cli/bin.js");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function example(edit: (spec: Record<string, unknown>) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), "mlship-story-"));
  dirs.push(dir);
  copyFileSync(join(root, "examples/churn/wa_churn.csv"), join(dir, "wa_churn.csv"));
  const spec = parse(readFileSync(join(root, "examples/churn/mlship.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  edit(spec);
  writeFileSync(join(dir, "mlship.yaml"), stringify(spec));
  return dir;
}

const num = (s: string) => Number(s);

describe("npm start: the production story", () => {
  it("finds the price rise, trains a challenger, promotes it for the reason it prints, and the guard keeps it", async () => {
    const dir = example();
    const run = spawnSync(
      process.execPath,
      [bin, "demo", "--spec", join(dir, "mlship.yaml"), "--exit-after-story", "--port", "0"],
      { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
    );
    const out = run.stderr;
    expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(run.status, out.slice(-3000)).toBe(0);
    expect(out).toContain("6. Production: live traffic, a price rise, and a model that keeps up");
    expect(out).toMatch(/the model is live at http:\/\/127\.0\.0\.1:\d+/);
    // Month 1: nothing to do.
    const month1 = out.slice(out.indexOf("Month 1"), out.indexOf("Month 2"));
    expect(month1).toContain("served 1,500 customers in 75 requests");
    expect(month1).toContain("none of the 19 inputs drifted");
    expect(month1).toContain("no retraining needed: no trigger fired");
    // Month 2: the rise, found in what customers pay, and the challenger.
    const month2 = out.slice(out.indexOf("Month 2"), out.indexOf("Month 3"));
    expect(month2).toMatch(
      /average bill \$64\.87 -> \$76\.97, 37\.6% leave \(26\.4% would have without the rise\)/,
    );
    expect(month2).toMatch(
      /what changed in the customers: monthly_charges \(wasserstein 0\.\d+, alarm at 0\.1\)/,
    );
    expect(month2).toMatch(/^trigger: drift in monthly_charges/m);
    expect(month2).toContain(
      "fresh data: the challenger learns from the 3,998 customers scored in production",
    );
    const compared = month2.match(
      /champion vs challenger on the last 500 customers with a known outcome \((\d+) of them left\): roc_auc (0\.\d+) vs (0\.\d+)/,
    );
    expect(compared, month2).not.toBeNull();
    const [, left, champion, challenger] = compared!;
    expect(month2).toMatch(
      /promoted: challenger v2 is now the champion, because it beats v1 by (0\.\d+) of roc_auc/,
    );
    expect(out).toMatch(/guard passed: v2 stays champion/);
    expect(out).toMatch(/\(the story took \d+ s\)/);
    expect(out).toContain("(--exit-after-story: the server stopped)");

    // What the store recorded says the same.
    await using store = await openStore(join(dir, ".mlship/store.db"), { create: false });
    const events = await listEvents(store, { model: "telco_churn", type: "decision" });
    expect(events.map((e) => [e.name, e.status])).toEqual([
      ["guard", "kept"],
      ["retraining", "promoted"],
    ]);
    const decision = await getRun(store, events[1].runId as string);
    const m = decision.metrics;
    expect(m.champion_roc_auc.value).toBeCloseTo(num(champion), 3);
    expect(m.challenger_roc_auc.value).toBeCloseTo(num(challenger), 3);
    expect(m.improvement.value).toBeGreaterThanOrEqual(0.01);
    expect(m.p_value.value).toBeLessThan(0.05);
    expect(m.compared_rows.value).toBe(500);
    expect(Number(left)).toBeGreaterThan(100);
    expect(decision.tags["mlship.reasons"]).toMatch(/drift in monthly_charges/);
    const model = await getRegisteredModel(store, "telco_churn");
    expect(model.aliases.champion).toBe(2);
    const moves = await aliasHistory(store, "telco_churn", "champion");
    expect(moves.map((e) => [e.fromVersion, e.toVersion, e.actor])).toEqual([
      [null, 1, expect.any(String)],
      [1, 2, "mlship watch"],
    ]);
    expect(moves[1].reason).toContain(`roc_auc ${Number(num(challenger).toFixed(4))}`);
    const logged = await store.db
      .selectFrom("prediction_log")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst();
    const labels = await store.db
      .selectFrom("prediction_feedback")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst();
    expect([Number(logged?.n), Number(labels?.n)]).toEqual([5500, 5500]);
  }, 600_000);

  it("keeps serving after the story, with the loop watching, until Ctrl-C stops it cleanly", async () => {
    // Logistic regression alone: the same story, quicker, for the interactive ending.
    const dir = example((spec) => {
      spec.models = [{ kind: "logisticRegression", params: { c: 1.0, maxIter: 1000 } }];
    });
    const child = spawn(process.execPath, [bin, "demo", "--spec", join(dir, "mlship.yaml"), "--port", "0"], {
      env: { ...process.env, NO_COLOR: "1", MLSHIP_DEMO_EXIT: "" },
    });
    let err = "";
    child.stderr.setEncoding("utf8");
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no server line:\n${err.slice(-3000)}`)), 500_000);
      child.stderr.on("data", (d: string) => {
        err += d;
        // The last line of the ending: everything before it (the URL, the curl to try) is out.
        const m = err.match(/The server keeps running at (http:\/\/127\.0\.0\.1:\d+)/);
        if (m && err.includes(`npx mlship simulate --url ${m[1]} --offset`) && err.endsWith("\n")) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before serving:\n${err.slice(-3000)}`)));
    });
    // The very command the demo prints.
    const curl = err.match(/curl -s (\S+) -H 'content-type: application\/json' -d '(.+)'$/m);
    expect(curl?.[1], err.slice(-2500)).toBe(`${url}/v1/models/telco_churn/predict`);
    const res = await fetch(curl![1], {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: curl![2],
    });
    const body = (await res.json()) as { model: { version: number }; predictions: unknown[] };
    expect(res.status).toBe(200);
    // Whatever the story decided is what serves: the champion of the store.
    const promoted = /promoted: challenger v2 is now the champion/.test(err);
    expect(body.model.version).toBe(promoted ? 2 : 1);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(err).toContain("SIGINT: stopping the server");
    await expect(fetch(`${url}/readyz`)).rejects.toThrow();
  }, 600_000);
});
