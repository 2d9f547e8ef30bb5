/**
 * Hostile and broken input against the prediction endpoints (JSON, CSV and NDJSON bodies, MLflow's
 * /invocations, feedback): every answer is a 4xx JSON error without internals, or a 200 when the input
 * is in fact valid, never a 5xx or a crash, and the server keeps answering correctly afterwards.
 * Cases are fixed plus a seeded random mix, so a failure replays.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Random } from "../../src/core/random.js";
import { expectNoLeak, type Reply, startServer, type TestServer } from "./helpers.js";
import { penguin, penguins, register } from "./predict-helpers.js";

let s: TestServer;
let good: Reply;
const bodyLimit = 256 * 1024;

beforeAll(async () => {
  s = await startServer({ bodyLimit, maxRows: 1000 });
  await register(s.store, "penguins", await penguins.logistic(), "champion");
  good = await s.call("POST", "/v1/models/penguins/predict", { records: [penguin] });
  expect(good.status).toBe(200);
}, 60_000);
afterAll(() => s.close());

function expectClientError(r: Reply, context: string): void {
  expect(r.status, `${context}: ${r.status} ${r.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(r.status, `${context}: ${r.text.slice(0, 300)}`).toBeLessThan(500);
  expect(r.headers.get("content-type"), context).toMatch(/^application\/json/);
  expectNoLeak(r.text);
}

/** A 200 or a 4xx, never a 5xx, and nothing internal in the body. */
function expectNoServerError(r: Reply, context: string): void {
  expect(r.status, `${context}: ${r.status} ${r.text.slice(0, 300)}`).toBeLessThan(500);
  expectNoLeak(r.text);
}

const jsonEndpoints = [
  "/v1/models/penguins/predict",
  "/v1/models/penguins@champion/predict",
  "/v1/models/penguins/versions/1/predict",
  "/invocations",
  "/v1/models/penguins/feedback",
];

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
const deepRecord = (n: number) => `{"records":[{"island":${deepObject(n)}}]}`;

const rawBodies: Array<[string, string]> = [
  ["empty", ""],
  ["truncated", '{"records": [{"island": "Biscoe"'],
  ["not JSON", "records=1"],
  ["trailing garbage", '{"records": []} x'],
  ["NaN literal", '{"records": [{"bill_length_mm": NaN}]}'],
  ["single quotes", "{'records': []}"],
  ["deep arrays", deep(50_000)],
  ["deep objects", deepObject(20_000)],
  ["deep value in a record", deepRecord(5_000)],
  ["proto pollution", `{"__proto__": {"admin": true}, "records": [${JSON.stringify(penguin)}]}`],
  ["proto pollution in a record", `{"records": [{"__proto__": {"x": 1}, "island": "Biscoe"}]}`],
  ["escaped proto key", '{"records": [{"\\u005f_proto__": {"x": 1}}]}'],
  ["constructor pollution", '{"constructor": {"prototype": {"x": 1}}}'],
  ["bare string", '"just a string"'],
  ["bare number", "12345678901234567890123456789"],
  ["null", "null"],
  ["array", "[1, 2, 3]"],
  ["lone surrogate", '{"records": [{"island": "\\ud800"}]}'],
];

const wrongValues: unknown[] = [
  123,
  -1,
  1e308,
  -1e308,
  2 ** 70,
  0.1 + 0.2,
  true,
  null,
  [],
  {},
  [[[[[]]]]],
  { nested: { deeper: [1, 2, 3] } },
  "",
  "x".repeat(5000),
  "'; DROP TABLE prediction_log; --",
  "\u0000",
  "😀",
  "\u202e\u0301",
  "Ünïcødé 実験",
];

describe("bad input to the prediction API never crashes the server", () => {
  it("malformed, truncated, deeply nested and polluting JSON bodies are 4xx JSON errors", async () => {
    for (const path of jsonEndpoints) {
      for (const [label, body] of rawBodies) {
        const r = await s.call("POST", path, body, { "content-type": "application/json" });
        expectClientError(r, `${path} ${label}`);
      }
    }
    expect(Object.prototype).not.toHaveProperty("admin");
    expect(Object.prototype).not.toHaveProperty("x");
  });

  it("wrong shapes and types of the body, the rows and every field", async () => {
    const shapes: unknown[] = [
      { records: 123 },
      { records: "x" },
      { records: null },
      { records: {} },
      { records: [1, 2] },
      { records: [null] },
      { records: [[penguin]] },
      { columns: ["island"], data: [["Biscoe", "extra"]] },
      { columns: "island", data: [[1]] },
      { columns: [1, 2], data: [[1, 2]] },
      { columns: Object.keys(penguin), data: "x" },
      { columns: Object.keys(penguin), data: [Object.values(penguin), 5] },
      { dataframe_split: { columns: ["island"], data: [[1, 2, 3]] } },
      { dataframe_records: "x" },
      { instances: 5 },
      { inputs: { island: [[[]]] } },
      { labels: "x" },
      { labels: [{ requestId: 5, row: -1, label: {} }] },
    ];
    for (const path of jsonEndpoints) {
      for (const body of shapes)
        expectClientError(await s.call("POST", path, body), `${path} ${JSON.stringify(body)}`);
    }
    for (const field of Object.keys(penguin)) {
      for (const value of wrongValues) {
        const record = { ...penguin, [field]: value };
        for (const path of ["/v1/models/penguins/predict", "/invocations"]) {
          const body = path === "/invocations" ? { dataframe_records: [record] } : { records: [record] };
          const r = await s.call("POST", path, body);
          // A string in a categorical field is a valid (unseen) category; the rest are refused.
          expectNoServerError(r, `${path} ${field}=${JSON.stringify(value).slice(0, 50)}`);
          if (r.status === 400 && path !== "/invocations") {
            expect(r.json.error.problems[0].field).toBe(field);
            // The value is quoted in the message, cut short: a 5,000-character value is not echoed whole.
            expect(r.text.length).toBeLessThan(2000);
          }
        }
      }
    }
  });

  it("odd model names, aliases and versions in the path are 4xx", async () => {
    const refs = [
      "%00",
      "%F0%9F%98%80",
      "a".repeat(2000),
      "..%2F..%2Fetc",
      "penguins@",
      "@",
      "penguins@@x",
      "%E0%A4%A",
    ];
    for (const ref of refs) {
      for (const path of [
        `/v1/models/${ref}/predict`,
        `/v1/models/${ref}/schema`,
        `/v1/models/${ref}/feedback`,
      ]) {
        const r = path.endsWith("schema")
          ? await s.call("GET", path)
          : await s.call("POST", path, { records: [penguin] });
        expectClientError(r, path.slice(0, 80));
      }
    }
    for (const v of ["0", "-1", "1.5", "abc", "99999999999999999999", "2"]) {
      const r = await s.call("POST", `/v1/models/penguins/versions/${v}/predict`, { records: [penguin] });
      expectClientError(r, `version ${v}`);
    }
  });

  it("unseen and exotic categories are scored by the pipeline's rule, and logged verbatim", async () => {
    for (const island of [
      "😀",
      "\u202e\u0301",
      "Ünïcødé 実験",
      "\u0000",
      "'; DROP TABLE prediction_log; --",
    ]) {
      const r = await s.call("POST", "/v1/models/penguins/predict", { records: [{ ...penguin, island }] });
      expect(r.status, island).toBe(200);
      await s.app.predictionLog!.flush();
      const row = await s.store.db
        .selectFrom("prediction_log")
        .select("inputs")
        .where("request_id", "=", r.json.requestId)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.inputs).island).toBe(island);
    }
  });

  it("bodies over the limit are a 413, rows over the limit a 400, on JSON and MLflow's CSV alike", async () => {
    const big = { records: Array(2000).fill({ ...penguin, island: "x".repeat(200) }) };
    const ours = await s.call("POST", "/v1/models/penguins/predict", big);
    expect(ours.status).toBe(413);
    expect(ours.json.error.code).toBe("E_INVALID_BODY_TOO_LARGE");
    const mlflow = await s.call("POST", "/invocations", { dataframe_records: big.records });
    expect(mlflow.status).toBe(413);
    expect(mlflow.json.error_code).toBeDefined();
    const header = Object.keys(penguin).join(",");
    const line = Object.values(penguin).join(",");
    const csvBig = `${header}\n${`${line}\n`.repeat(9000)}`;
    expect(csvBig.length).toBeGreaterThan(bodyLimit);
    const csv = await s.call("POST", "/invocations", csvBig, { "content-type": "text/csv" });
    expect(csv.status).toBe(413);
    const rows = await s.call("POST", "/v1/models/penguins/predict", { records: Array(1001).fill(penguin) });
    expect(rows.status).toBe(400);
    expect(rows.json.error.code).toBe("E_INVALID_TOO_MANY_ROWS");
    const csvRows = await s.call("POST", "/invocations", `${header}\n${`${line}\n`.repeat(1001)}`, {
      "content-type": "text/csv",
    });
    expect(csvRows.status).toBe(400);
    expect(csvRows.json.message).toContain("1001 rows");
    // Batches stream: the same CSV is scored whatever its size.
    const batch = await s.call("POST", "/v1/models/penguins/predict", csvBig, { "content-type": "text/csv" });
    expect(batch.status).toBe(200);
    expect(batch.text.trim().split("\n")).toHaveLength(9001);
  });

  it("a batch record or line longer than 1 MiB is refused, not held in memory", async () => {
    const header = Object.keys(penguin).join(",");
    const unclosed = `${header}\n"${"x".repeat(1.2 * 1024 * 1024)}`;
    const csv = await s.call("POST", "/v1/models/penguins/predict", unclosed, { "content-type": "text/csv" });
    expectClientError(csv, "unclosed quote");
    expect(csv.json.error.problems[0].problem).toContain("longer than");
    const line = await s.call(
      "POST",
      "/v1/models/penguins/predict",
      `{"island":"${"x".repeat(1.2 * 1024 * 1024)}`,
      {
        "content-type": "application/x-ndjson",
      },
    );
    expectClientError(line, "long NDJSON line");
    const closedAtEnd = await s.call("POST", "/v1/models/penguins/predict", `${header}\n"Biscoe`, {
      "content-type": "text/csv",
    });
    expectClientError(closedAtEnd, "quote never closed");
  });

  it("a seeded random mix of mutations of valid requests and of garbage batches never gets a 5xx", async () => {
    const rng = new Random(5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
    const fields = Object.keys(penguin);
    for (let i = 0; i < 300; i++) {
      const record: Record<string, unknown> = { ...penguin };
      const op = Math.floor(rng.next() * 4);
      const field = pick(fields);
      if (op === 0) record[field] = pick(wrongValues);
      else if (op === 1) delete record[field];
      else if (op === 2) record[`${field}_x`] = pick(wrongValues);
      else record[field] = String(record[field]);
      const path = pick(jsonEndpoints.slice(0, 4));
      const body = path === "/invocations" ? { instances: [record] } : { records: [record, penguin] };
      expectNoServerError(await s.call("POST", path, body), `${path} ${JSON.stringify(body).slice(0, 200)}`);
    }
    const alphabet = [
      '"',
      ",",
      "\n",
      "\r",
      "\\",
      "{",
      "}",
      "[",
      "]",
      ":",
      "a",
      "1",
      "é",
      "😀",
      "\u0000",
      " ",
    ];
    for (let i = 0; i < 200; i++) {
      const n = 1 + Math.floor(rng.next() * 200);
      let text = i % 2 === 0 ? `${fields.join(",")}\n` : "";
      for (let k = 0; k < n; k++) text += pick(alphabet);
      const type = pick(["text/csv", "application/x-ndjson"]);
      const path =
        type === "text/csv" ? pick(["/v1/models/penguins/predict", "/invocations"]) : jsonEndpoints[0];
      const r = await s.call("POST", path, text, { "content-type": type });
      expectNoServerError(r, `${path} ${type} ${JSON.stringify(text).slice(0, 200)}`);
    }
  });

  it("is still up and answers as before", async () => {
    expect((await s.call("GET", "/livez")).status).toBe(200);
    const again = await s.call("POST", "/v1/models/penguins/predict", { records: [penguin] });
    expect(again.status).toBe(200);
    expect(again.json.predictions).toEqual(good.json.predictions);
    expect(again.json.probabilities).toEqual(good.json.probabilities);
  });
});
