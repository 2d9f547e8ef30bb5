/**
 * The OpenAPI document as a client generator reads it: each registered model's predict path with the
 * fields of the version its champion serves, kept current as models are registered and promoted, and
 * the bearer scheme with the role each operation needs.
 */
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./helpers.js";
import { concrete, penguins, register } from "./predict-helpers.js";

let s: TestServer;

beforeAll(async () => {
  s = await startServer();
  await register(s.store, "penguins", await penguins.logistic(), "champion");
}, 60_000);
afterAll(() => s.close());

// biome-ignore lint/suspicious/noExplicitAny: the document is asserted field by field.
const docOf = async (): Promise<any> => {
  const r = await s.call("GET", "/docs/json");
  expect(r.status).toBe(200);
  await SwaggerParser.validate(structuredClone(r.json));
  return r.json;
};

describe("the OpenAPI document", () => {
  it("documents each model's input fields, from its training schema, with an example that scores", async () => {
    const doc = await docOf();
    const op = doc.paths["/v1/models/penguins/predict"].post;
    expect(op.summary).toBe("Score rows with penguins (champion: version 1)");
    const body = op.requestBody.content["application/json"];
    const ref = body.schema.oneOf[0].properties.records.items.$ref;
    expect(ref).toBe("#/components/schemas/penguins.v1.input");
    const input = doc.components.schemas["penguins.v1.input"];
    expect(Object.keys(input.properties).sort()).toEqual(
      ["bill_depth_mm", "bill_length_mm", "body_mass_g", "flipper_length_mm", "island", "sex"].sort(),
    );
    expect(input.properties.bill_length_mm).toEqual({ type: "number", nullable: true });
    expect(input.properties.island).toEqual({ type: "string", nullable: true });
    expect(input.additionalProperties).toBe(false);
    const answer = op.responses["200"].content["application/json"].schema.properties;
    expect(answer.predictions.items.enum).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
    // The example is what a reader copies first: it must be accepted as it stands.
    const scored = await s.call("POST", "/v1/models/penguins/predict", body.example);
    expect(scored.status, scored.text).toBe(200);
    expect(doc.paths["/v1/models/{ref}/predict"]).toHaveProperty("post");
  });

  it("follows registrations and promotions without a restart", async () => {
    await register(s.store, "concrete", await concrete(), "champion");
    await register(s.store, "penguins", await penguins.tree(), "champion");
    // Alias moves are read by the server's poll (every second).
    await expect
      .poll(async () => (await docOf()).paths["/v1/models/penguins/predict"].post.summary, { timeout: 5000 })
      .toBe("Score rows with penguins (champion: version 2)");
    const doc = await docOf();
    const concreteOp = doc.paths["/v1/models/concrete/predict"].post;
    expect(concreteOp.responses["200"].content["application/json"].schema.properties).not.toHaveProperty(
      "probabilities",
    );
    expect(doc.components.schemas["concrete.v1.input"].properties.cement).toEqual({
      type: "number",
      nullable: true,
    });
  });

  it("names the bearer scheme and the role each operation needs; probes and docs need none", async () => {
    const doc = await docOf();
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ apiKey: [] }]);
    for (const path of ["/livez", "/version", "/readyz", "/ping"]) {
      expect(doc.paths[path].get.security, path).toEqual([]);
    }
    expect(doc.paths["/v1/models/{ref}/predict"].post["x-mlship-role"]).toBe("predict");
    expect(doc.paths["/api/v1/runs"].get["x-mlship-role"]).toBe("predict");
    expect(doc.paths["/api/v1/runs"].post["x-mlship-role"]).toBe("write");
    expect(doc.paths["/api/v1/models/{name}/aliases/{alias}"].put["x-mlship-role"]).toBe("admin");
    expect(doc.paths["/api/v1/keys"].get["x-mlship-role"]).toBe("admin");
  });
});
