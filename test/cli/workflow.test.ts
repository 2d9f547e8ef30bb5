import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { churnSpec, copyChurnData, listDir, tempDir, writeSpec } from "./helpers.js";
import { expectCleanError, runAsync as run } from "./run.js";

interface Candidate {
  name: string;
  baseline: boolean;
  artifactBytes: number;
  violations: unknown[];
}
interface TrainSummary {
  candidates: Candidate[];
  best: string;
  holdout: Record<string, number>;
  meetsThreshold: boolean;
  artifact: { path: string; bytes: number };
}

function fastSpec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const spec = churnSpec();
  spec.models = [{ kind: "logisticRegression" }, { kind: "decisionTreeClassifier", params: { maxDepth: 4 } }];
  spec.split = { ...(spec.split as object), folds: 3 };
  spec.constraints = undefined;
  return { ...spec, ...extra };
}

function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => l.split(","));
}

describe.concurrent("init", () => {
  it("writes a spec validate accepts, refuses to overwrite without --force", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    const first = await run(["init", "--data", "wa_churn.csv", "--target", "churn"], dir);
    expect(first.status).toBe(0);
    expect(first.stdout + first.stderr).toMatch(/2 distinct values.*binary/);
    const written = readFileSync(join(dir, "mlship.yaml"), "utf8");
    expect((parse(written) as { task: string }).task).toBe("binary");
    const v = await run(["validate", "--spec", "mlship.yaml"], dir);
    expect(v.stdout + v.stderr).not.toMatch(/E_SPEC/);
    expect(v.status).toBe(0);

    writeFileSync(join(dir, "mlship.yaml"), "# mine\n");
    const again = expectCleanError(await run(["init", "--data", "wa_churn.csv", "--target", "churn"], dir));
    expect(again).toContain("--force");
    expect(readFileSync(join(dir, "mlship.yaml"), "utf8")).toBe("# mine\n");
    const forced = await run(
      ["init", "--data", "wa_churn.csv", "--target", "churn", "--force", "--json"],
      dir,
    );
    expect(forced.status).toBe(0);
    const j = JSON.parse(forced.stdout) as { task: string };
    expect(j.task).toBe("binary");
    expect(readFileSync(join(dir, "mlship.yaml"), "utf8")).toBe(written);
  });

  it("an unknown target column suggests the closest name", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    const err = expectCleanError(await run(["init", "--data", "wa_churn.csv", "--target", "churm"], dir));
    expect(err).toContain("churn");
    expect(listDir(dir)).toEqual(["wa_churn.csv"]);
  });
});

describe.concurrent("profile, validate, schema on the churn example", () => {
  it("profile --json: total_charges numeric, 11/7043 missing", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    writeSpec(dir, churnSpec());
    const r = await run(["profile", "--json"], dir);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as {
      schema: { columns: { name: string; type: string; missingShare: number }[] };
    };
    const tc = j.schema.columns.find((c) => c.name === "total_charges");
    expect(tc?.type).toBe("numeric");
    expect(tc?.missingShare).toBeCloseTo(11 / 7043, 12);
  });

  it("validate --json: ok", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    writeSpec(dir, churnSpec());
    const r = await run(["validate", "--json"], dir);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it("schema prints a JSON Schema with metric", async () => {
    const r = await run(["schema"], tempDir());
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown> };
    expect(j.$schema).toMatch(/json-schema/);
    expect(j.properties).toHaveProperty("metric");
  });

  it("prep writes the artifact and a 40-column prepared CSV", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    writeSpec(dir, churnSpec());
    const r = await run(["prep", "--out", "p.mlship", "--transformed", "t.csv"], dir);
    expect(r.status).toBe(0);
    expect(listDir(dir)).toEqual(["mlship.yaml", "p.mlship", "t.csv", "wa_churn.csv"]);
    const rows = parseCsv(readFileSync(join(dir, "t.csv"), "utf8"));
    expect(rows[0]).toHaveLength(40);
    expect(rows).toHaveLength(7044);
  });
});

describe("train and predict", () => {
  const dir = tempDir();
  let summary: TrainSummary;

  beforeAll(async () => {
    copyChurnData(dir);
    // Score data with an id column, so --id can be checked.
    const lines = readFileSync(join(dir, "wa_churn.csv"), "utf8").trimEnd().split("\n");
    writeFileSync(
      join(dir, "score.csv"),
      `${lines.map((l, i) => `${i === 0 ? "rid" : `r${i}`},${l}`).join("\n")}\n`,
    );
    writeSpec(dir, fastSpec());
    const r = await run(["train", "--json", "-o", "m.mlship"], dir);
    expect(r.status, r.stderr).toBe(0);
    summary = JSON.parse(r.stdout) as TrainSummary;
  }, 60_000);

  it("train --json prints one summary with a baseline and a saved artifact", () => {
    expect(summary.candidates.some((c) => c.baseline)).toBe(true);
    expect(summary.candidates.map((c) => c.name)).toContain(summary.best);
    expect(summary.holdout.roc_auc).toBeGreaterThan(0.8);
    expect(summary.meetsThreshold).toBe(true);
    expect(listDir(dir)).toContain("m.mlship");
    expect(summary.artifact.path).toBe(join(dir, "m.mlship"));
  });

  it.concurrent("an impossible maxModelBytes marks the model and does not pick it", async () => {
    const [a, b] = summary.candidates.filter((c) => !c.baseline);
    const big = a.artifactBytes > b.artifactBytes ? a : b;
    const small = big === a ? b : a;
    const d2 = tempDir();
    copyChurnData(d2);
    writeSpec(
      d2,
      fastSpec({ constraints: { maxModelBytes: Math.floor((a.artifactBytes + b.artifactBytes) / 2) } }),
    );
    const r = await run(["train", "--json", "-o", "m.mlship"], d2);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as TrainSummary;
    const marked = s.candidates.find((c) => c.name === big.name);
    expect(marked?.violations.length).toBeGreaterThan(0);
    expect(s.candidates.find((c) => c.name === small.name)?.violations).toEqual([]);
    expect(s.best).not.toBe(big.name);
  }, 60_000);

  it.concurrent("predict writes one row per input with id and probabilities; chunking changes nothing", async () => {
    const r = await run(["predict", "-m", "m.mlship", "-d", "score.csv", "-o", "p.csv", "--id", "rid"], dir);
    expect(r.status, r.stderr).toBe(0);
    const r2 = await run(
      ["predict", "-m", "m.mlship", "-d", "score.csv", "-o", "p2.csv", "--id", "rid", "--chunk-rows", "1000"],
      dir,
    );
    expect(r2.status, r2.stderr).toBe(0);
    const text = readFileSync(join(dir, "p.csv"), "utf8");
    expect(readFileSync(join(dir, "p2.csv"), "utf8")).toBe(text);
    const rows = parseCsv(text).map((row) => row.map((c) => c.replace(/^"|"$/g, "")));
    const header = rows[0];
    expect(header).toEqual(expect.arrayContaining(["rid", "prediction", "proba_No", "proba_Yes"]));
    expect(rows).toHaveLength(7044);
    const [iId, iNo, iYes] = ["rid", "proba_No", "proba_Yes"].map((h) => header.indexOf(h));
    rows.slice(1).forEach((row, k) => {
      expect(row[iId]).toBe(`r${k + 1}`);
      expect(Number(row[iNo]) + Number(row[iYes])).toBeCloseTo(1, 9);
    });
  }, 60_000);

  it.concurrent("predict writes NDJSON when --out ends with .ndjson", async () => {
    const r = await run(
      ["predict", "-m", "m.mlship", "-d", "score.csv", "-o", "p.ndjson", "--id", "rid"],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(join(dir, "p.ndjson"), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(7043);
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(first.rid).toBe("r1");
    expect(Number(first.proba_No) + Number(first.proba_Yes)).toBeCloseTo(1, 9);
  }, 60_000);

  it.concurrent("predict refuses a truncated or tampered artifact", async () => {
    const bytes = readFileSync(join(dir, "m.mlship"));
    writeFileSync(join(dir, "trunc.mlship"), bytes.subarray(0, bytes.length - 100));
    const t = expectCleanError(
      await run(["predict", "-m", "trunc.mlship", "-d", "score.csv", "-o", "t.csv"], dir),
    );
    expect(t).toMatch(/truncated|checksum/);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 10] ^= 0xff;
    writeFileSync(join(dir, "tamp.mlship"), tampered);
    const e = expectCleanError(
      await run(["predict", "-m", "tamp.mlship", "-d", "score.csv", "-o", "e.csv"], dir),
    );
    expect(e).toMatch(/checksum|damaged/);
    expect(listDir(dir)).not.toContain("t.csv");
    expect(listDir(dir)).not.toContain("e.csv");
  }, 60_000);

  it.concurrent("predict on data missing a model column names it and writes nothing", async () => {
    const lines = readFileSync(join(dir, "wa_churn.csv"), "utf8").trimEnd().split("\n");
    const i = lines[0].split(",").indexOf('"tenure"');
    expect(i).toBeGreaterThan(-1);
    const dropped = lines.map((l) =>
      l
        .split(",")
        .filter((_, k) => k !== i)
        .join(","),
    );
    writeFileSync(join(dir, "nt.csv"), `${dropped.join("\n")}\n`);
    const err = expectCleanError(
      await run(["predict", "-m", "m.mlship", "-d", "nt.csv", "-o", "nt-out.csv"], dir),
    );
    expect(err).toContain('missing column "tenure"');
    expect(listDir(dir).filter((f) => f.startsWith("nt-out"))).toEqual([]);
  }, 60_000);
});
