/**
 * What the prediction API does with the input beyond the field checks: unseen categories follow the
 * model's own encoder (scored like the library scores them, or refused by row and field when the
 * encoder refuses them), MLflow's CSV input, CSV bodies as RFC 4180 writes them (quotes, CRLF, a
 * byte-order mark, characters split between network reads), and requests arriving together, which are
 * scored in one pass yet answered exactly as if each came alone.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeArtifact } from "../../src/artifact/index.js";
import { categorical, cellValue, Frame, numeric } from "../../src/core/frame.js";
import { modelOf, predictFrame } from "../../src/evaluate/predict.js";
import { ModelHost } from "../../src/serve/predict/models.js";
import { TogetherScorer } from "../../src/serve/predict/together.js";
import { type Reply, startServer, type TestServer } from "./helpers.js";
import { penguin, penguins, register } from "./predict-helpers.js";

let s: TestServer;
let lenient: Uint8Array;

beforeAll(async () => {
  s = await startServer({ defaultModel: "strict", maxRows: 100 });
  lenient = await penguins.logistic();
  await register(s.store, "lenient", lenient, "champion");
  await register(s.store, "strict", await penguins.strict(), "champion");
}, 60_000);
afterAll(() => s.close());

const columns = Object.keys(penguin);
const csvOf = (rows: Array<Record<string, unknown>>, eol = "\n") =>
  [
    columns.join(","),
    ...rows.map((r) => columns.map((c) => (r[c] === null ? "" : String(r[c]))).join(",")),
  ].join(eol) + eol;

/** The penguin record as a one-row Frame, built by hand (not by the server's reader). */
function frameOf(p: typeof penguin): Frame {
  return new Frame([
    ["island", categorical(Int32Array.of(0), [p.island])],
    ["bill_length_mm", numeric(Float64Array.of(p.bill_length_mm))],
    ["bill_depth_mm", numeric(Float64Array.of(p.bill_depth_mm))],
    ["flipper_length_mm", numeric(Float64Array.of(p.flipper_length_mm))],
    ["body_mass_g", numeric(Float64Array.of(p.body_mass_g))],
    ["sex", categorical(Int32Array.of(0), [p.sex])],
  ]);
}

const others = [
  {
    ...penguin,
    island: "Torgersen",
    bill_length_mm: 38,
    flipper_length_mm: 185,
    body_mass_g: 3600,
    sex: "female",
  },
  {
    ...penguin,
    island: "Dream",
    bill_length_mm: 49.5,
    bill_depth_mm: 19,
    flipper_length_mm: 200,
    body_mass_g: 3800,
  },
];

describe("unseen categories follow the pipeline's rule", () => {
  it("an encoder that ignores them: scored exactly as the library scores the same row", async () => {
    const atlantis = { ...penguin, island: "Atlantis" };
    const r = await s.call("POST", "/v1/models/lenient/predict", { records: [atlantis] });
    expect(r.status).toBe(200);
    const artifact = decodeArtifact(Buffer.from(lenient));
    const out = predictFrame(modelOf(artifact, "test"), frameOf(atlantis));
    expect(r.json.predictions).toEqual([cellValue(out.column("prediction"), 0)]);
    for (const c of ["Adelie", "Chinstrap", "Gentoo"])
      expect(r.json.probabilities[0][c]).toBe(out.numeric(`proba_${c}`)[0]);
    // Not the same as a known island: the unseen one really reached the encoder as unseen.
    const biscoe = await s.call("POST", "/v1/models/lenient/predict", { records: [penguin] });
    expect(biscoe.json.probabilities[0].Gentoo).not.toBe(r.json.probabilities[0].Gentoo);
  });

  it("an encoder that refuses them: a 400 naming the row and field, in JSON, CSV and MLflow's formats", async () => {
    const ok = await s.call("POST", "/v1/models/strict/predict", { records: [penguin, ...others] });
    expect(ok.status).toBe(200);
    const bad = await s.call("POST", "/v1/models/strict/predict", {
      records: [penguin, others[0], { ...penguin, island: "Atlantis" }],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("E_INVALID_INPUT");
    expect(bad.json.error.problems).toEqual([
      {
        row: 2,
        field: "island",
        problem: expect.stringContaining('the category "Atlantis" was not seen in training'),
      },
    ]);
    const csv = await s.call(
      "POST",
      "/v1/models/strict/predict",
      csvOf([penguin, penguin, penguin, { ...penguin, sex: "unknown" }]),
      { "content-type": "text/csv" },
    );
    expect(csv.status).toBe(400);
    expect(csv.json.error.problems).toEqual([
      { row: 3, field: "sex", problem: expect.stringContaining('"unknown"') },
    ]);
    const mlflow = await s.call("POST", "/invocations", {
      dataframe_records: [{ ...penguin, island: "Atlantis" }],
    });
    expect(mlflow.status).toBe(400);
    expect(mlflow.json.error_code).toBe("BAD_REQUEST");
    expect(mlflow.json.message).toContain("row 0 island");
  });
});

describe("MLflow's CSV input", () => {
  it("scores a text/csv body on /invocations as its JSON twin, and refuses a bad header", async () => {
    const json = await s.call("POST", "/invocations", { dataframe_records: [penguin, ...others] });
    expect(json.status).toBe(200);
    const csv = await s.call("POST", "/invocations", csvOf([penguin, ...others]), {
      "content-type": "text/csv; charset=utf-8",
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^application\/json/);
    expect(csv.json).toEqual(json.json);
    const header = await s.call("POST", "/invocations", "island,colour\nBiscoe,red\n", {
      "content-type": "text/csv",
    });
    expect(header.status).toBe(400);
    expect(header.json.error_code).toBe("BAD_REQUEST");
    expect(header.json.message).toContain("colour: not a field of the model's input");
    const empty = await s.call("POST", "/invocations", "", { "content-type": "text/csv" });
    expect(empty.status).toBe(400);
  });
});

describe("CSV bodies", () => {
  it("reads quoted fields (commas, doubled quotes, line breaks), CRLF line ends and a byte-order mark", async () => {
    const odd = 'Bis,co "e"\r\nx';
    const text = `\ufeff${columns.join(",")}\r\n"${odd.replace(/"/g, '""')}",45.2,15.1,215,5300,male\r\n${csvOf([penguin], "\r\n").split("\r\n")[1]}\r\n`;
    const r = await s.call("POST", "/v1/models/lenient/predict", text, { "content-type": "text/csv" });
    expect(r.status, r.text).toBe(200);
    const lines = r.text.trim().split("\n");
    expect(lines).toHaveLength(3);
    await s.app.predictionLog!.flush();
    const rows = await s.store.db
      .selectFrom("prediction_log")
      .select(["row_index", "inputs"])
      .where("request_id", "=", r.headers.get("x-request-id")!)
      .orderBy("row_index")
      .execute();
    expect(rows.map((x) => JSON.parse(x.inputs))).toEqual([{ ...penguin, island: odd }, penguin]);
  });

  it("keeps characters whole when the network splits their bytes", async () => {
    const island = "Bíscøe 🐧 実";
    const body = Buffer.from(csvOf([{ ...penguin, island }, penguin]), "utf8");
    const answer = await new Promise<{ status: number; id: string }>((resolve, reject) => {
      const req = request(
        `${s.url}/v1/models/lenient/predict`,
        { method: "POST", headers: { "content-type": "text/csv" } },
        (res) => {
          res.resume();
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, id: String(res.headers["x-request-id"]) }),
          );
        },
      );
      req.on("error", reject);
      // One byte per write, each flushed on its own: every multi-byte character arrives in pieces.
      let at = 0;
      const next = () => {
        if (at === body.length) return req.end();
        req.write(body.subarray(at, at + 1), () => setImmediate(next));
        at++;
      };
      next();
    });
    expect(answer.status).toBe(200);
    await s.app.predictionLog!.flush();
    const row = await s.store.db
      .selectFrom("prediction_log")
      .select("inputs")
      .where("request_id", "=", answer.id)
      .where("row_index", "=", 0)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.inputs).island).toBe(island);
  });

  it("refuses rows with the wrong number of fields and headers that name a field twice", async () => {
    const short = await s.call(
      "POST",
      "/v1/models/lenient/predict",
      `${columns.join(",")}\nBiscoe,45.2,15.1\n`,
      {
        "content-type": "text/csv",
      },
    );
    expect(short.status).toBe(400);
    expect(short.json.error.problems[0]).toEqual({
      row: 0,
      field: "*",
      problem: "has 3 fields, the header has 6",
    });
    const twice = await s.call(
      "POST",
      "/v1/models/lenient/predict",
      `${columns.join(",")},sex\n${csvOf([penguin]).split("\n")[1]},male\n`,
      { "content-type": "text/csv" },
    );
    expect(twice.status).toBe(400);
    expect(twice.json.error.problems).toContainEqual({
      field: "sex",
      problem: "named twice in the CSV header",
    });
    // The connection that carried the refused bodies still serves.
    expect((await s.call("POST", "/v1/models/lenient/predict", { records: [penguin] })).status).toBe(200);
  });
});

describe("requests arriving together", () => {
  it("are answered over HTTP exactly as one by one, a bad one refused alone", async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({
      ...penguin,
      bill_length_mm: 35 + i * 0.5,
      flipper_length_mm: 180 + i,
      island: ["Biscoe", "Dream", "Torgersen"][i % 3],
    }));
    const alone: Reply[] = [];
    for (const r of rows) alone.push(await s.call("POST", "/v1/models/strict/predict", { records: [r] }));
    const bodies: unknown[] = rows.map((r) => ({ records: [r] }));
    bodies[7] = { records: [penguin, { ...penguin, island: "Atlantis" }] };
    bodies[19] = { records: [{ ...penguin, body_mass_g: "heavy" }] };
    const together = await Promise.all(bodies.map((b) => s.call("POST", "/v1/models/strict/predict", b)));
    together.forEach((r, i) => {
      if (i === 7) {
        expect(r.status).toBe(400);
        expect(r.json.error.problems).toEqual([{ row: 1, field: "island", problem: expect.any(String) }]);
      } else if (i === 19) {
        expect(r.status).toBe(400);
        expect(r.json.error.problems[0]).toMatchObject({ row: 0, field: "body_mass_g" });
      } else {
        expect(r.status).toBe(200);
        expect(r.json.predictions).toEqual(alone[i].json.predictions);
        expect(r.json.probabilities).toEqual(alone[i].json.probabilities);
        expect(r.json.requestId).not.toBe(alone[i].json.requestId);
      }
    });
  });

  it("share one pass when they arrive in the same turn, each getting its own rows", async () => {
    const host = new ModelHost(s.store);
    const model = await host.version("strict", 1);
    const scorer = new TogetherScorer();
    const batches = [[penguin], [others[0], others[1]], [], [others[1]]];
    const outputs = await Promise.all(batches.map((b) => scorer.score(model, b)));
    const buffers = new Set(outputs.map((o) => o.numeric("proba_Adelie").buffer));
    // One output frame, sliced: the four answers are views of the same arrays.
    expect(buffers.size).toBe(1);
    outputs.forEach((o, i) => {
      expect(o.nRows).toBe(batches[i].length);
      const alone = predictFrame(model.model, frameOf(batches[i][0] ?? penguin));
      if (batches[i].length > 0) expect(o.numeric("proba_Gentoo")[0]).toBe(alone.numeric("proba_Gentoo")[0]);
    });
    // One refused among them: only its promise fails, with its own row numbers.
    const mixed = await Promise.allSettled([
      scorer.score(model, [penguin]),
      scorer.score(model, [penguin, { ...penguin, sex: "unknown" }]),
      scorer.score(model, [others[0]]),
    ]);
    expect(mixed.map((m) => m.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((mixed[1] as PromiseRejectedResult).reason.problems).toEqual([
      { row: 1, field: "sex", problem: expect.stringContaining("not seen in training") },
    ]);
  });
});
