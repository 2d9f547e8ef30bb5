/**
 * A training run and a server on the same store at once (issue 4: "a training run and a server must be
 * able to use the same store at once"): `mlship train` in its own process writes its run, candidates,
 * folds and model version while the server keeps answering reads and taking writes of its own.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, smallSpec, tempDir, writeSpec } from "../cli/helpers.js";
import { run } from "../cli/run.js";
import { startServer, type TestServer } from "./helpers.js";

let s: TestServer | undefined;
afterAll(async () => {
  await s?.close();
  removeTempDirs();
});

function project(): string {
  const dir = tempDir();
  const rows = ["x1,x2,y"];
  for (let i = 0; i < 400; i++) {
    const x1 = (i * 37) % 100;
    rows.push(`${x1},${(i * 13) % 7},${x1 > 50 !== (i % 10 === 0) ? "yes" : "no"}`);
  }
  writeFileSync(join(dir, "d.csv"), `${rows.join("\n")}\n`);
  writeSpec(
    dir,
    smallSpec("d.csv", "y", {
      metric: { primary: "accuracy", threshold: 0.6 },
      registry: { promote: "ifBetter" },
    }),
  );
  return dir;
}

describe("a training and a server sharing one store", () => {
  it("the server answers every request while training writes, and both sides' writes land", async () => {
    s = await startServer();
    const server = s;
    const dir = project();
    const training = run(["train", "--json", "--store", server.store.path], dir, { MLSHIP_STORE: "" });
    let finished = false;
    void training.finally(() => {
      finished = true;
    });

    const experiment = await server.call("POST", "/api/v1/experiments", { name: "written by the server" });
    expect(experiment.status).toBe(201);
    const created = await server.call("POST", "/api/v1/runs", {
      experimentId: experiment.json.experiment.experimentId,
    });
    expect(created.status).toBe(201);
    const runId = created.json.run.runId;

    const statuses = new Map<number, number>();
    let step = 0;
    while (!finished) {
      const [list, logged] = await Promise.all([
        server.call("GET", "/api/v1/runs?maxResults=50"),
        server.call("POST", `/api/v1/runs/${runId}/metrics`, {
          metrics: [{ key: "beat", value: step, step }],
        }),
      ]);
      for (const r of [list, logged]) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      step++;
    }
    const trained = await training;
    expect(trained.status, trained.stderr).toBe(0);
    // Every request made while the training wrote succeeded: no 503 for a busy store, no 500.
    expect(
      [...statuses.keys()].every((code) => code >= 200 && code < 300),
      JSON.stringify([...statuses]),
    ).toBe(true);
    // Many rounds of reads and writes overlapped the training (it takes seconds; a round, milliseconds).
    expect(step).toBeGreaterThan(10);

    const summary = JSON.parse(trained.stdout);
    const seen = await server.call("GET", `/api/v1/runs/${summary.runId}`);
    expect(seen.json.run.status).toBe("FINISHED");
    const history = await server.call("GET", `/api/v1/runs/${runId}/metrics/beat/history`);
    expect(history.json.metrics.map((m: { step: number }) => m.step)).toEqual(
      Array.from({ length: step }, (_, i) => i),
    );
    const model = (await server.call("GET", "/api/v1/models/small")).json.model;
    expect(model.aliases).toEqual({ champion: 1 });
  }, 120_000);
});
