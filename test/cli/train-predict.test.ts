import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyChurnData, listDir, removeTempDirs, tempDir } from "./helpers.js";
import { expectNoStack, run } from "./run.js";

afterAll(removeTempDirs);

interface Candidate {
  name: string;
  baseline: boolean;
  artifactBytes: number;
  violations: string[];
}
interface TrainSummary {
  candidates: Candidate[];
  best: string;
  holdout: Record<string, number>;
  meetsThreshold: boolean;
  artifact: { path: string; bytes: number };
}

/** A churn spec that trains in seconds: two quick models, 3 folds. */
function fastSpecYaml(constraints = ""): string {
  return `name: churn_fast
objective:
  business: Target retention offers at customers likely to leave.
  kpi: Monthly churn rate.
task: binary
target: churn
positiveClass: "Yes"
metric:
  primary: roc_auc
  threshold: 0.8
data:
  sources:
    - kind: file
      path: wa_churn.csv
split: { holdout: 0.2, folds: 3, stratify: true, seed: 42 }
models:
  - kind: logisticRegression
  - kind: decisionTreeClassifier
    params: { maxDepth: 4 }
${constraints}`;
}

function churnProject(spec = fastSpecYaml()): string {
  const dir = tempDir();
  copyChurnData(dir);
  writeFileSync(join(dir, "mlship.yaml"), spec);
  return dir;
}

async function train(dir: string): Promise<TrainSummary> {
  const r = await run(["train", "--spec", "mlship.yaml", "--out", "m.mlship", "--json"], dir);
  expect(r.status, r.stderr).toBe(0);
  expectNoStack(r);
  // stdout is exactly one JSON document: progress and tables go to stderr.
  return JSON.parse(r.stdout) as TrainSummary;
}

const csvRows = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => l.split(",").map((c) => c.replace(/^"|"$/g, "")));

describe("mlship train and predict on churn", () => {
  const dir = churnProject();
  let summary: TrainSummary;

  beforeAll(async () => {
    // Scoring data with an id column in front, so --id can be checked.
    const lines = readFileSync(join(dir, "wa_churn.csv"), "utf8").trimEnd().split("\n");
    writeFileSync(
      join(dir, "score.csv"),
      `${lines.map((l, i) => `${i === 0 ? "rid" : `r${i}`},${l}`).join("\n")}\n`,
    );
    summary = await train(dir);
  }, 60_000);

  it("train --json: candidates with a baseline, best, holdout, threshold decision and a saved artifact", () => {
    const names = summary.candidates.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["logisticRegression", "decisionTreeClassifier"]));
    expect(summary.candidates.filter((c) => c.baseline)).toHaveLength(1);
    expect(names).toContain(summary.best);
    expect(summary.candidates.find((c) => c.name === summary.best)?.baseline).toBe(false);
    expect(summary.holdout.roc_auc).toBeGreaterThan(0.8);
    expect(summary.holdout.roc_auc).toBeLessThanOrEqual(1);
    expect(summary.meetsThreshold).toBe(true);
    expect(summary.artifact.path).toBe(join(dir, "m.mlship"));
    expect(statSync(summary.artifact.path).size).toBe(summary.artifact.bytes);
    for (const c of summary.candidates) expect(c.violations).toEqual([]);
  });

  it.concurrent("maxModelBytes between the two models' sizes marks the bigger one and does not pick it", async () => {
    const [a, b] = summary.candidates.filter((c) => !c.baseline);
    expect(a.artifactBytes).not.toBe(b.artifactBytes);
    const [small, big] = a.artifactBytes < b.artifactBytes ? [a, b] : [b, a];
    const limit = Math.floor((small.artifactBytes + big.artifactBytes) / 2);
    const s = await train(churnProject(fastSpecYaml(`constraints: { maxModelBytes: ${limit} }\n`)));
    const marked = s.candidates.find((c) => c.name === big.name);
    expect(marked?.violations).toHaveLength(1);
    expect(marked?.violations[0]).toContain(String(limit));
    expect(s.candidates.find((c) => c.name === small.name)?.violations).toEqual([]);
    expect(s.best).not.toBe(big.name);
    expect(s.best).toBe(small.name);
  }, 60_000);

  it.concurrent("predict writes one row per input with the id and probabilities; chunking changes nothing", async () => {
    const base = ["predict", "--model", "m.mlship", "--data", "score.csv", "--id", "rid"];
    const [r1, r2] = await Promise.all([
      run([...base, "--out", "p.csv"], dir),
      run([...base, "--out", "p1000.csv", "--chunk-rows", "1000"], dir),
    ]);
    expect(r1.status, r1.stderr).toBe(0);
    expect(r2.status, r2.stderr).toBe(0);
    const text = readFileSync(join(dir, "p.csv"), "utf8");
    expect(readFileSync(join(dir, "p1000.csv"), "utf8")).toBe(text);
    const rows = csvRows(text);
    expect(rows[0]).toEqual(["rid", "prediction", "proba_No", "proba_Yes"]);
    expect(rows).toHaveLength(7044);
    rows.slice(1).forEach(([id, prediction, no, yes], k) => {
      expect(id).toBe(`r${k + 1}`);
      expect(["No", "Yes"]).toContain(prediction);
      expect(Number(no)).toBeGreaterThanOrEqual(0);
      expect(Number(yes)).toBeGreaterThanOrEqual(0);
      expect(Number(no) + Number(yes)).toBeCloseTo(1, 9);
    });
    // A model that ranks well predicts both classes.
    expect(new Set(rows.slice(1).map((r) => r[1])).size).toBe(2);
  }, 60_000);

  it.concurrent("predict writes NDJSON when --out ends with .ndjson", async () => {
    const r = await run(
      ["predict", "--model", "m.mlship", "--data", "score.csv", "--out", "p.ndjson", "--id", "rid"],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(join(dir, "p.ndjson"), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(7043);
    lines.forEach((line, k) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(o)).toEqual(["rid", "prediction", "proba_No", "proba_Yes"]);
      expect(o.rid).toBe(`r${k + 1}`);
      expect(Number(o.proba_No) + Number(o.proba_Yes)).toBeCloseTo(1, 9);
    });
  }, 60_000);
});

describe.concurrent("profile, validate and prep on a copy of the churn example", () => {
  const churnDir = new URL("../../examples/churn/", import.meta.url);
  const exampleCopy = () => churnProject(readFileSync(new URL("mlship.yaml", churnDir), "utf8"));

  it("profile --json: total_charges is numeric with 11 of 7043 missing", async () => {
    const r = await run(["profile", "--spec", "mlship.yaml", "--json"], exampleCopy());
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      schema: { rowCount?: number; columns: { name: string; type: string; missingShare: number }[] };
    };
    expect(j.schema.columns).toHaveLength(20);
    const tc = j.schema.columns.find((c) => c.name === "total_charges");
    expect(tc?.type).toBe("numeric");
    expect(tc?.missingShare).toBeCloseTo(11 / 7043, 12);
    expect(j.schema.columns.find((c) => c.name === "churn")?.missingShare).toBe(0);
  });

  it("validate --json: the report is ok", async () => {
    const r = await run(["validate", "--spec", "mlship.yaml", "--json"], exampleCopy());
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean };
    expect(j.ok).toBe(true);
  });

  it("prep --out --transformed writes the artifact and a 40-column prepared CSV, creating its folder", async () => {
    const dir = exampleCopy();
    const r = await run(
      ["prep", "--spec", "mlship.yaml", "--out", "prep.mlship", "--transformed", "out/prepared.csv"],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    expectNoStack(r);
    expect(listDir(dir)).toEqual(["mlship.yaml", "out", "prep.mlship", "wa_churn.csv"]);
    expect(listDir(join(dir, "out"))).toEqual(["prepared.csv"]);
    expect(statSync(join(dir, "prep.mlship")).size).toBeGreaterThan(0);
    const rows = csvRows(readFileSync(join(dir, "out/prepared.csv"), "utf8"));
    expect(rows[0]).toHaveLength(40);
    expect(rows).toHaveLength(7044);
    for (const row of rows.slice(1, 200)) {
      expect(row).toHaveLength(40);
      for (const cell of row) expect(Number.isFinite(Number(cell))).toBe(true);
    }
  });
});
