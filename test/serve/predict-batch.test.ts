/**
 * Batch scoring: CSV and NDJSON bodies stream back as CSV and NDJSON, and a large body's predictions
 * start arriving while the client is still sending it.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./helpers.js";
import { penguin, penguins, register } from "./predict-helpers.js";

let s: TestServer;

beforeAll(async () => {
  s = await startServer();
  await register(s.store, "penguins", await penguins.logistic(), "champion");
}, 60_000);
afterAll(() => s.close());

const columns = Object.keys(penguin);
const csvLine = (p: Record<string, unknown>) =>
  columns.map((c) => (p[c] === null ? "" : String(p[c]))).join(",");

describe("batch scoring", () => {
  it("answers a CSV body with CSV: prediction and one probability column per class", async () => {
    const body = `${columns.join(",")}\n${csvLine(penguin)}\n"Torgersen",38,18,185,3600,"female"\n`;
    const r = await s.call("POST", "/v1/models/penguins/predict", body, { "content-type": "text/csv" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/csv");
    const lines = r.text.trim().split("\n");
    expect(lines[0]).toBe("prediction,proba_Adelie,proba_Chinstrap,proba_Gentoo");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["Gentoo", "Adelie"]);
  });

  it("answers NDJSON with NDJSON", async () => {
    const body = `${JSON.stringify(penguin)}\n${JSON.stringify({ ...penguin, sex: null })}\n`;
    const r = await s.call("POST", "/v1/models/penguins/predict", body, {
      "content-type": "application/x-ndjson",
    });
    expect(r.status).toBe(200);
    const rows = r.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(rows[0].prediction).toBe("Gentoo");
  });

  it("refuses a CSV header that does not match the model, and bad cells, by row and field", async () => {
    const header = await s.call("POST", "/v1/models/penguins/predict", `island,colour\nBiscoe,red\n`, {
      "content-type": "text/csv",
    });
    expect(header.status).toBe(400);
    expect(header.json.error.problems).toContainEqual({
      field: "colour",
      problem: "not a field of the model's input",
    });
    expect(header.json.error.problems).toContainEqual({
      field: "sex",
      problem: "missing from the CSV header",
    });
    const cell = await s.call(
      "POST",
      "/v1/models/penguins/predict",
      `${columns.join(",")}\nBiscoe,long,1,2,3,male\n`,
      {
        "content-type": "text/csv",
      },
    );
    expect(cell.status).toBe(400);
    expect(cell.json.error.problems).toEqual([
      { row: 0, field: "bill_length_mm", problem: 'expected a finite number, got "long"' },
    ]);
  });

  it("streams 200,000 rows back while the body is still being sent", async () => {
    const rows = 200_000;
    const perWrite = 5000;
    const url = new URL(`${s.url}/v1/models/penguins/predict`);
    const result = await new Promise<{ lines: number; firstOutputAtRowsSent: number }>((resolve, reject) => {
      let sent = 0;
      let firstOutputAtRowsSent = -1;
      let lines = 0;
      const req = request(
        url,
        { method: "POST", headers: { "content-type": "application/x-ndjson" } },
        (res) => {
          res.setEncoding("utf8");
          let rest = "";
          res.on("data", (chunk: string) => {
            if (firstOutputAtRowsSent < 0) firstOutputAtRowsSent = sent;
            const parts = (rest + chunk).split("\n");
            rest = parts.pop() ?? "";
            lines += parts.length;
          });
          res.on("end", () => resolve({ lines, firstOutputAtRowsSent }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      const line = `${JSON.stringify(penguin)}\n`;
      const block = line.repeat(perWrite);
      const pump = () => {
        while (sent < rows) {
          sent += perWrite;
          if (!req.write(block)) {
            req.once("drain", () => setImmediate(pump));
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(result.lines).toBe(rows);
    expect(result.firstOutputAtRowsSent).toBeGreaterThan(0);
    expect(result.firstOutputAtRowsSent).toBeLessThan(rows);
  }, 60_000);
});
