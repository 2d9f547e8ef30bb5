/**
 * Feedback: true labels attached to logged predictions by request id and row, typed by the model that
 * predicted, unmatched ids kept and reported, the last label winning, and predict-level keys allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, requiredRole } from "../../src/serve/auth/index.js";
import { startServer, type TestServer } from "./helpers.js";
import { concrete, penguin, penguins, register } from "./predict-helpers.js";

let s: TestServer;

beforeAll(async () => {
  s = await startServer({ maxRows: 50 });
  await register(s.store, "penguins", await penguins.logistic(), "champion");
  await register(s.store, "concrete", await concrete(), "champion");
}, 60_000);
afterAll(() => s.close());

const concreteRow = {
  cement: 540,
  blast_furnace_slag: 0,
  fly_ash: 0,
  water: 162,
  superplasticizer: 2.5,
  coarse_aggregate: 1040,
  fine_aggregate: 676,
  age: 28,
};

async function labels(
  model: string,
): Promise<Array<{ request_id: string; row_index: number; label: string }>> {
  return s.store.db
    .selectFrom("prediction_feedback")
    .select(["request_id", "row_index", "label"])
    .where("model", "=", model)
    .orderBy("request_id")
    .orderBy("row_index")
    .execute() as never;
}

describe("POST /v1/models/{name}/feedback", () => {
  it("attaches labels to a prediction's rows right after it was answered; a re-sent label replaces", async () => {
    const p = await s.call("POST", "/v1/models/penguins/predict", { records: [penguin, penguin] });
    const requestId = p.json.requestId;
    const r = await s.call("POST", "/v1/models/penguins/feedback", {
      labels: [
        { requestId, label: "Gentoo" },
        { requestId, row: 1, label: "Adelie" },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ accepted: 2, matched: 2, unmatchedCount: 0, unmatched: [] });
    const again = await s.call("POST", "/v1/models/penguins/feedback", {
      labels: [{ requestId, row: 1, label: "Chinstrap" }],
    });
    expect(again.json.matched).toBe(1);
    const stored = (await labels("penguins")).filter((l) => l.request_id === requestId);
    expect(stored).toEqual([
      { request_id: requestId, row_index: 0, label: '"Gentoo"' },
      { request_id: requestId, row_index: 1, label: '"Chinstrap"' },
    ]);
    // Joined with the log on (request_id, row_index): prediction beside truth.
    const joined = await s.store.db
      .selectFrom("prediction_log as p")
      .innerJoin("prediction_feedback as f", (j) =>
        j.onRef("f.request_id", "=", "p.request_id").onRef("f.row_index", "=", "p.row_index"),
      )
      .select(["p.prediction", "f.label"])
      .where("p.request_id", "=", requestId)
      .orderBy("p.row_index")
      .execute();
    expect(joined).toEqual([
      { prediction: '"Gentoo"', label: '"Gentoo"' },
      { prediction: '"Gentoo"', label: '"Chinstrap"' },
    ]);
  });

  it("keeps labels for ids not in the log, and says which", async () => {
    const r = await s.call("POST", "/v1/models/penguins/feedback", {
      labels: [{ requestId: "req-000000000000-zz", row: 3, label: "Adelie" }],
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      accepted: 1,
      matched: 0,
      unmatchedCount: 1,
      unmatched: [{ requestId: "req-000000000000-zz", row: 3 }],
    });
    expect((await labels("penguins")).some((l) => l.request_id === "req-000000000000-zz")).toBe(true);
  });

  it("types labels by the model: a class it knows, or a finite number for a regressor", async () => {
    const p = await s.call("POST", "/v1/models/penguins/predict", { records: [penguin] });
    const bad = await s.call("POST", "/v1/models/penguins/feedback", {
      labels: [
        { requestId: p.json.requestId, label: "Dodo" },
        { requestId: p.json.requestId, row: -1, label: "Adelie" },
        { requestId: 7, label: "Adelie" },
        { requestId: p.json.requestId, label: "Adelie", colour: "red" },
        { requestId: p.json.requestId },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("E_INVALID_FEEDBACK");
    expect(bad.json.error.problems).toEqual([
      { item: 1, field: "row", problem: expect.stringContaining("whole number") },
      { item: 2, field: "requestId", problem: expect.any(String) },
      { item: 3, field: "colour", problem: "not a feedback field" },
      { item: 4, field: "label", problem: expect.stringContaining("missing") },
    ]);
    // Shape first, then labels: the class problem shows once the shape is right.
    const dodo = await s.call("POST", "/v1/models/penguins/feedback", {
      labels: [{ requestId: p.json.requestId, label: "Dodo" }],
    });
    expect(dodo.status).toBe(400);
    expect(dodo.json.error.problems).toEqual([
      {
        item: 0,
        field: "label",
        problem: expect.stringContaining('"Dodo" is not a class of penguins version 1'),
      },
    ]);
    expect((await labels("penguins")).some((l) => l.request_id === p.json.requestId)).toBe(false);

    const c = await s.call("POST", "/v1/models/concrete/predict", { records: [concreteRow] });
    const text = await s.call("POST", "/v1/models/concrete/feedback", {
      labels: [{ requestId: c.json.requestId, label: "strong" }],
    });
    expect(text.status).toBe(400);
    expect(text.json.error.problems[0].problem).toContain("finite number");
    const ok = await s.call("POST", "/v1/models/concrete/feedback", {
      labels: [{ requestId: c.json.requestId, label: 61.5 }],
    });
    expect(ok.json.matched).toBe(1);
    expect(await labels("concrete")).toEqual([{ request_id: c.json.requestId, row_index: 0, label: "61.5" }]);
  });

  it("refuses labels sent to another model than the one that predicted, and unknown models", async () => {
    const c = await s.call("POST", "/v1/models/concrete/predict", { records: [concreteRow] });
    const wrong = await s.call("POST", "/v1/models/penguins/feedback", {
      labels: [{ requestId: c.json.requestId, label: "Adelie" }],
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.problems[0].problem).toContain("scored by the model concrete");
    const unknown = await s.call("POST", "/v1/models/nope/feedback", {
      labels: [{ requestId: "req-x", label: 1 }],
    });
    expect(unknown.status).toBe(404);
    const tooMany = await s.call("POST", "/v1/models/penguins/feedback", {
      labels: Array(51).fill({ requestId: "req-x", label: "Adelie" }),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.code).toBe("E_INVALID_TOO_MANY_ROWS");
    expect((await s.call("POST", "/v1/models/penguins/feedback", { labels: "x" })).status).toBe(400);
  });

  it("needs the predict role: the clients that score are the ones that learn the outcome", async () => {
    expect(requiredRole("POST", "/v1/models/:name/feedback")).toBe("predict");
    const secured = await startServer();
    try {
      await register(secured.store, "penguins", await penguins.logistic(), "champion");
      const key = (await createKey(secured.store, { name: "scorer", role: "predict", actor: "t" })).secret;
      const auth = { authorization: `Bearer ${key}` };
      const p = await secured.call("POST", "/v1/models/penguins/predict", { records: [penguin] }, auth);
      const body = { labels: [{ requestId: p.json.requestId, label: "Gentoo" }] };
      expect((await secured.call("POST", "/v1/models/penguins/feedback", body)).status).toBe(401);
      const r = await secured.call("POST", "/v1/models/penguins/feedback", body, auth);
      expect(r.status).toBe(200);
      expect(r.json.matched).toBe(1);
    } finally {
      await secured.close();
    }
  });
});
