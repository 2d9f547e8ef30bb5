/**
 * The prediction API against a real server over a real store holding models trained on the fixtures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, startServer, type TestServer } from "./helpers.js";
import { concrete, penguin, penguins, register } from "./predict-helpers.js";

let s: TestServer;

beforeAll(async () => {
  s = await startServer({ defaultModel: "penguins", maxRows: 50 });
  await register(s.store, "penguins", await penguins.logistic(), "champion");
  await register(s.store, "penguins", await penguins.tree(), "challenger");
  await register(s.store, "concrete", await concrete(), "champion");
}, 60_000);
afterAll(() => s.close());

describe("JSON predictions", () => {
  it("scores records with the champion: predictions, class probabilities, model and request id", async () => {
    const r = await s.call("POST", "/v1/models/penguins/predict", {
      records: [
        penguin,
        { ...penguin, bill_length_mm: 38, flipper_length_mm: 185, body_mass_g: 3600, island: "Torgersen" },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json.model).toEqual({ name: "penguins", version: 1, alias: "champion" });
    expect(r.json.requestId).toMatch(/^req-/);
    expect(r.json.predictions).toEqual(["Gentoo", "Adelie"]);
    const p = r.json.probabilities[0];
    expect(Object.keys(p).sort()).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
    expect(p.Adelie + p.Chinstrap + p.Gentoo).toBeCloseTo(1, 9);
  });

  it("takes columns and data, an alias and a version number", async () => {
    const columns = Object.keys(penguin);
    const split = { columns, data: [Object.values(penguin)] };
    const byAlias = await s.call("POST", "/v1/models/penguins@challenger/predict", split);
    expect(byAlias.status).toBe(200);
    expect(byAlias.json.model).toEqual({ name: "penguins", version: 2, alias: "challenger" });
    const byVersion = await s.call("POST", "/v1/models/penguins/versions/2/predict", split);
    expect(byVersion.json.model).toEqual({ name: "penguins", version: 2 });
    expect(byVersion.json.predictions).toEqual(byAlias.json.predictions);
  });

  it("gives regressors' predictions without probabilities", async () => {
    const row = {
      cement: 540,
      blast_furnace_slag: 0,
      fly_ash: 0,
      water: 162,
      superplasticizer: 2.5,
      coarse_aggregate: 1040,
      fine_aggregate: 676,
      age: 28,
    };
    const r = await s.call("POST", "/v1/models/concrete/predict", { records: [row] });
    expect(r.status).toBe(200);
    expect(typeof r.json.predictions[0]).toBe("number");
    expect(r.json.probabilities).toBeUndefined();
  });

  it("refuses missing, extra and ill-typed fields with a 400 listing each by row and field", async () => {
    const { sex: _sex, ...noSex } = penguin;
    const r = await s.call("POST", "/v1/models/penguins/predict", {
      records: [penguin, noSex, { ...penguin, body_mass_g: "heavy", colour: "black" }],
    });
    expect(r.status).toBe(400);
    expectNoLeak(r.text);
    expect(r.json.error.code).toBe("E_INVALID_INPUT");
    expect(r.json.error.problems).toEqual([
      { row: 1, field: "sex", problem: expect.stringContaining("missing") },
      { row: 2, field: "body_mass_g", problem: 'expected a finite number, got "heavy"' },
      { row: 2, field: "colour", problem: "not a field of the model's input" },
    ]);
  });

  it("scores null as a missing value and an unseen category by the pipeline's rule", async () => {
    const r = await s.call("POST", "/v1/models/penguins/predict", {
      records: [{ ...penguin, island: "Atlantis", sex: null }],
    });
    expect(r.status).toBe(200);
    expect(r.json.predictions).toHaveLength(1);
  });

  it("limits rows per request and answers unknown models with 404", async () => {
    const big = await s.call("POST", "/v1/models/penguins/predict", { records: Array(51).fill(penguin) });
    expect(big.status).toBe(400);
    expect(big.json.error.code).toBe("E_INVALID_TOO_MANY_ROWS");
    expect((await s.call("POST", "/v1/models/nope/predict", { records: [penguin] })).status).toBe(404);
    expect((await s.call("POST", "/v1/models/penguins@nope/predict", { records: [penguin] })).status).toBe(
      404,
    );
  });

  it("describes each model's input as a JSON Schema", async () => {
    const r = await s.call("GET", "/v1/models/penguins/schema");
    expect(r.json.required).toEqual(Object.keys(penguin));
    expect(r.json.properties.bill_length_mm).toEqual({ type: ["number", "null"] });
    expect(r.json.properties.island).toEqual({ type: ["string", "null"] });
    expect(r.json.additionalProperties).toBe(false);
  });
});

describe("MLflow scoring protocol", () => {
  it("answers /ping and /invocations in all four input formats for the default model", async () => {
    expect((await s.call("GET", "/ping")).status).toBe(200);
    const columns = Object.keys(penguin);
    const bodies = [
      { dataframe_split: { columns, data: [Object.values(penguin)] } },
      { dataframe_records: [penguin] },
      { instances: [penguin] },
      { inputs: Object.fromEntries(columns.map((c) => [c, [penguin[c as keyof typeof penguin]]])) },
    ];
    for (const body of bodies) {
      const r = await s.call("POST", "/invocations", body);
      expect(r.status, JSON.stringify(body)).toBe(200);
      expect(r.json).toEqual({ predictions: ["Gentoo"] });
    }
    const bad = await s.call("POST", "/invocations", { instances: [{ ...penguin, sex: 1 }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe("BAD_REQUEST");
    expect(bad.json.message).toContain("row 0 sex");
    const two = await s.call("POST", "/invocations", { instances: [penguin], inputs: [penguin] });
    expect(two.status).toBe(400);
  });
});
