import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeArtifact, encodeArtifact, loadArtifact, saveArtifact } from "../../src/artifact/index.js";
import type { Frame } from "../../src/core/frame.js";
import { isTransformer } from "../../src/core/protocol.js";
import { fingerprint, inferSchema } from "../../src/data/index.js";
import { LogisticRegression } from "../../src/models/index.js";
import { defaultPrep, Pipeline } from "../../src/prep/index.js";
import { loadXy } from "../support/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "mlship-artifact-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = {
  name: "penguins",
  objective: { business: "identify species", kpi: "accuracy" },
  task: "multiclass" as const,
  target: "species",
  metric: { primary: "accuracy" as const, threshold: 0.9, secondary: [] },
  pii: [],
};

function fittedPrep(X: Frame) {
  const { pipeline } = defaultPrep(X, { scale: true });
  pipeline.fit(X);
  return pipeline;
}

function bits(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

describe("artifact format", () => {
  const { X, y } = loadXy("penguins.csv", "species", true);
  const prep = fittedPrep(X);
  const options = {
    pipeline: prep,
    inputSchema: inferSchema(X),
    spec,
    dataFingerprint: fingerprint(X),
    metadata: { note: "test" },
  };

  it("saves atomically and reloads a pipeline with bit-identical output", () => {
    const path = join(dir, "prep.mlship");
    const saved = saveArtifact(path, options);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const loaded = loadArtifact(path);
    expect(loaded.sha256).toBe(saved.sha256);
    expect(loaded.payload.dataFingerprint).toBe(fingerprint(X));
    expect(loaded.payload.spec.name).toBe("penguins");
    expect(loaded.payload.inputSchema.columns.map((c) => c.name)).toEqual(X.names);
    expect(isTransformer(loaded.pipeline)).toBe(true);
    if (!isTransformer(loaded.pipeline)) return;
    const a = prep.transform(X);
    const b = loaded.pipeline.transform(X);
    expect(b.names).toEqual(a.names);
    for (const n of a.names) expect(bits(b.numeric(n))).toEqual(bits(a.numeric(n)));
  });

  it("round-trips a full model pipeline with identical probabilities", () => {
    const model = new Pipeline([
      ["prep", defaultPrep(X, { scale: true }).pipeline],
      ["model", new LogisticRegression({ c: 0.5 })],
    ]).fit(X, y);
    const { bytes } = encodeArtifact({ ...options, pipeline: model });
    const loaded = decodeArtifact(bytes).pipeline as Pipeline;
    expect(bits(loaded.predictProba!(X))).toEqual(bits(model.predictProba!(X)));
  });

  it("refuses a truncated artifact", () => {
    const { bytes } = encodeArtifact(options);
    expect(() => decodeArtifact(bytes.subarray(0, bytes.length - 10), "m.mlship")).toThrow(/truncated/);
  });

  it("refuses a tampered artifact, even one that stays valid JSON", () => {
    const { bytes } = encodeArtifact(options);
    const text = bytes.toString("utf8").replace('"note":"test"', '"note":"TEST"');
    expect(() => decodeArtifact(Buffer.from(text, "utf8"))).toThrow(/checksum mismatch/);
  });

  it("never resolves a kind outside the fixed registry, even with a valid checksum", () => {
    const { bytes } = encodeArtifact(options);
    const nl = bytes.indexOf(0x0a);
    const payload = JSON.parse(bytes.subarray(nl + 1).toString("utf8"));
    payload.pipeline = { kind: "constructor", params: {}, state: null };
    const body = Buffer.from(JSON.stringify(payload));
    const header = JSON.stringify({
      format: "mlship-artifact",
      formatVersion: 1,
      payloadBytes: body.length,
      sha256: createHash("sha256").update(body).digest("hex"),
    });
    expect(() => decodeArtifact(Buffer.concat([Buffer.from(`${header}\n`), body]))).toThrow(
      /unknown estimator kind "constructor"/,
    );
  });

  it("gives clear errors for a missing file, a non-artifact and a newer format", () => {
    expect(() => loadArtifact(join(dir, "nope.mlship"))).toThrow(/model artifact not found/);
    const junk = join(dir, "junk.mlship");
    writeFileSync(junk, "hello\nworld");
    expect(() => loadArtifact(junk)).toThrow(/not a valid mlship artifact header/);
    const { bytes } = encodeArtifact(options);
    const text = bytes.toString("utf8").replace('"formatVersion":1', '"formatVersion":99');
    expect(() => decodeArtifact(Buffer.from(text))).toThrow(/newer than this mlship/);
  });

  it("writes plain JSON data a person can read", () => {
    const path = join(dir, "plain.mlship");
    saveArtifact(path, options);
    const [header, body] = readFileSync(path, "utf8").split("\n", 2);
    expect(JSON.parse(header).format).toBe("mlship-artifact");
    expect(JSON.parse(body).pipeline.kind).toBe("pipeline");
  });
});
