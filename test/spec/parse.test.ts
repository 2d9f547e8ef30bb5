import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import {
  didYouMean,
  loadSpec,
  metricDirection,
  parseSpec,
  type SpecError,
  type SpecProblem,
  specErrorLines,
} from "../../src/spec/index.js";
import { minimal, problemsOf } from "./helpers.js";

/** The thrown error of `fn`, which must throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

/** The single problem of a spec that has exactly one. */
function onlyProblem(text: string): SpecProblem {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  return problems[0];
}

describe("parseSpec: valid specs", () => {
  it("fills every default of a minimal spec", () => {
    const spec = parseSpec(minimal);
    expect(spec.split).toEqual({ holdout: 0.2, folds: 5, stratify: true, seed: 42 });
    expect(spec.features).toEqual({ exclude: [] });
    expect(spec.pii).toEqual([]);
    expect(spec.validation).toEqual({ maxMissingShare: 0.5, expectations: [] });
    expect(spec.models).toEqual([]);
    expect(spec.constraints).toEqual({});
    expect(spec.metric.secondary).toEqual([]);
    expect(spec.data.combine).toEqual({ type: "concat" });
    expect(metricDirection(spec)).toBe("maximize");
  });

  it("fills defaults inside sources", () => {
    const spec = parseSpec(
      minimal.replace(
        "    - kind: file\n      path: data.csv\n",
        "    - kind: postgres\n      query: select * from customers\n    - kind: http\n      url: https://example.com/rows\n",
      ),
    );
    expect(spec.data.sources[0]).toEqual({
      kind: "postgres",
      urlEnv: "DATABASE_URL",
      query: "select * from customers",
    });
    expect(spec.data.sources[1]).toMatchObject({ format: "json", timeoutMs: 30_000, retries: 3 });
  });

  it("allows clustering without a target", () => {
    const spec = parseSpec(
      minimal
        .replace("task: binary\ntarget: churn\n", "task: clustering\n")
        .replace("roc_auc\n  threshold: 0.8", "silhouette\n  threshold: 0.25"),
    );
    expect(spec.task).toBe("clustering");
    expect(spec.target).toBeUndefined();
  });
});

describe("parseSpec: problems name the field, the value, what is allowed and the line", () => {
  it("wrong enum value, with a suggestion", () => {
    const p = onlyProblem(minimal.replace("task: binary", "task: binry"));
    expect(p).toEqual({
      path: "task",
      message: '"binry" is not allowed here',
      value: '"binry"',
      allowed: 'one of "binary", "multiclass", "regression", "clustering"',
      suggestion: "binary",
      line: 5,
      column: 7,
    });
  });

  it("wrong metric name inside a nested section", () => {
    const p = onlyProblem(minimal.replace("primary: roc_auc", "primary: rocauc"));
    expect(p.path).toBe("metric.primary");
    expect(p.value).toBe('"rocauc"');
    expect(p.allowed).toContain('"roc_auc"');
    expect(p.allowed).toContain('"silhouette"');
    expect(p.suggestion).toBe("roc_auc");
    expect([p.line, p.column]).toEqual([8, 12]);
  });

  it("threshold that is not a number", () => {
    const p = onlyProblem(minimal.replace("threshold: 0.8", "threshold: high"));
    expect(p).toMatchObject({
      path: "metric.threshold",
      message: 'expected a number, got "high" (text)',
      value: '"high"',
      allowed: "a number",
      line: 9,
      column: 14,
    });
  });

  it("a quoted number gets a hint to drop the quotes", () => {
    const p = onlyProblem(minimal.replace("threshold: 0.8", 'threshold: "0.8"'));
    expect(p.message).toBe('expected a number, got "0.8" (text); write it without quotes');
  });

  it("an empty field", () => {
    const p = onlyProblem(minimal.replace("threshold: 0.8", "threshold:"));
    expect(p).toMatchObject({
      path: "metric.threshold",
      message: "expected a number, but the field is empty",
      line: 9,
    });
  });

  it("wrong type for a whole section", () => {
    const p = onlyProblem(`${minimal}split: [0.2, 5]\n`);
    expect(p).toMatchObject({
      path: "split",
      message: "expected a mapping of fields, got [0.2,5] (a list)",
      allowed: "a mapping of fields",
      line: 14,
      column: 8,
    });
  });

  it("missing required field points at its parent section", () => {
    const p = onlyProblem(minimal.replace("  threshold: 0.8\n", ""));
    expect(p).toEqual({
      path: "metric.threshold",
      message: "missing required field `threshold`",
      allowed: "a number",
      line: 7,
      column: 1,
    });
  });

  it("missing target for a supervised task", () => {
    const p = onlyProblem(minimal.replace("target: churn\n", ""));
    expect(p.path).toBe("target");
    expect(p.message).toBe('missing field `target`: a target column is required for task "binary"');
  });

  it("unknown field with a did-you-mean", () => {
    const p = onlyProblem(`${minimal}metirc: 1\n`);
    expect(p).toMatchObject({
      path: "metirc",
      message: "unknown field `metirc`",
      suggestion: "metric",
      line: 14,
    });
    expect(p.allowed).toContain("metric");
    const err = thrown(() => parseSpec(`${minimal}metirc: 1\n`)) as SpecError;
    expect(err.lines()).toEqual([
      "mlship.yaml:14:1  metirc: unknown field `metirc`; allowed: the fields name, objective, task, target, " +
        "positiveClass, metric, data, features, pii, split, validation, prep, models, tune, constraints, registry, monitoring, retraining — did you mean `metric`?",
    ]);
  });

  it("unknown field inside a source and inside a tuning space", () => {
    const problems = problemsOf(
      minimal.replace("path: data.csv", "path: data.csv\n      delimeter: ';'") +
        "models:\n  - kind: ridge\n    space: { alpha: { float: [0.01, 10], lg: true } }\n",
    );
    expect(problems.map((p) => [p.path, p.suggestion, p.line])).toEqual([
      ["data.sources[0].delimeter", "delimiter", 14],
      ["models[0].space.alpha.lg", "log", 17],
    ]);
  });

  it("unknown source kind and a source without a kind", () => {
    const problems = problemsOf(
      minimal.replace("    - kind: file\n", "    - kind: fil\n      path: a.csv\n    - "),
    );
    expect(problems).toEqual([
      {
        path: "data.sources[0].kind",
        message: '"fil" is not a known `kind`',
        value: '"fil"',
        allowed: 'one of "file", "sqlite", "postgres", "http"',
        suggestion: "file",
        line: 12,
        column: 13,
      },
      {
        path: "data.sources[1].kind",
        message: "missing required field `kind`",
        allowed: 'one of "file", "sqlite", "postgres", "http"',
        line: 14,
        column: 13,
      },
    ]);
  });

  it("sqlite source with both table and query", () => {
    const p = onlyProblem(
      minimal.replace(
        "- kind: file\n      path: data.csv",
        "- kind: sqlite\n      path: crm.db\n      table: t\n      query: select 1",
      ),
    );
    expect(p).toEqual({
      path: "data.sources[0]",
      message: "give exactly one of 'table' or 'query'",
      line: 12,
      column: 7,
    });
  });

  it("environment variable name in the wrong case is corrected", () => {
    const p = onlyProblem(
      minimal.replace(
        "- kind: file\n      path: data.csv",
        "- kind: postgres\n      urlEnv: database_url\n      query: q",
      ),
    );
    expect(p).toMatchObject({
      path: "data.sources[0].urlEnv",
      value: '"database_url"',
      allowed: "an environment variable name in UPPER_SNAKE_CASE, e.g. DATABASE_URL",
      suggestion: "DATABASE_URL",
      line: 13,
      column: 15,
    });
  });

  it("a connection string in an env-var field is flagged and never echoed", () => {
    const text = minimal.replace(
      "- kind: file\n      path: data.csv",
      "- kind: postgres\n      urlEnv: postgres://bob:hunter2@db.internal/crm\n      query: q",
    );
    const err = thrown(() => parseSpec(text)) as SpecError;
    const p = err.problems[0];
    expect(p.path).toBe("data.sources[0].urlEnv");
    expect(p.value).toBeUndefined();
    expect(p.message).toContain("not the secret itself");
    expect(JSON.stringify(err.toJSON()) + err.message).not.toContain("hunter2");
  });

  it("numbers out of range say the bound", () => {
    const problems = problemsOf(`${minimal}split:\n  holdout: 1.5\n  folds: 1\n  seed: 4.5\n`);
    expect(problems.map((p) => [p.path, p.message, p.allowed, p.line])).toEqual([
      ["split.holdout", "1.5 is too large", "a number < 1", 15],
      ["split.folds", "1 is too small", "a number >= 2", 16],
      ["split.seed", "expected a whole number, got 4.5 (a number)", "a whole number", 17],
    ]);
  });

  it("a plain union lists the accepted types", () => {
    const p = onlyProblem(`${minimal}positiveClass: [1]\n`);
    expect(p).toMatchObject({
      path: "positiveClass",
      allowed: "text, a number or true/false",
      value: "[1]",
      line: 14,
    });
  });

  it("long values are shortened", () => {
    const p = onlyProblem(minimal.replace("task: binary", `task: ${"x".repeat(200)}`));
    expect(p.value!.length).toBeLessThanOrEqual(40);
    expect(p.value!.endsWith("…")).toBe(true);
  });

  it("several problems come in one error, in file order", () => {
    const text = minimal
      .replace("task: binary", "task: binry")
      .replace("threshold: 0.8", "threshold: high")
      .concat("metirc: {}\n");
    const err = thrown(() => parseSpec(text, { path: "examples/churn/mlship.yaml" }));
    expect(err).toBeInstanceOf(MlshipError);
    const e = err as SpecError;
    expect(e.code).toBe("E_SPEC_INVALID");
    expect(e.what).toBe("examples/churn/mlship.yaml has 3 problems");
    expect(e.problems.map((p) => p.path)).toEqual(["task", "metric.threshold", "metirc"]);
    expect(e.toJSON().data).toEqual({ file: "examples/churn/mlship.yaml", problems: e.problems });
    const lines = specErrorLines(e);
    expect(lines[0]).toMatch(/^examples\/churn\/mlship\.yaml:5:7 {2}task: "binry" is not allowed here/);
    expect(lines[1]).toMatch(/^examples\/churn\/mlship\.yaml:9:14 {2}metric\.threshold: expected a number/);
    expect(e.detail).toBe(lines.map((l) => `  ${l}`).join("\n"));
    expect(e.message).toContain(lines[2]);
  });

  it("the missing-target rule is reported alongside other problems", () => {
    const text = minimal.replace("target: churn\n", "").replace("threshold: 0.8", "threshold: high");
    expect(problemsOf(text).map((p) => p.path)).toEqual(["target", "metric.threshold"]);
  });

  it("one problem: what, where and fix say it all", () => {
    const err = thrown(() => parseSpec(minimal.replace("task: binary", "task: binry"))) as SpecError;
    expect(err.what).toBe('mlship.yaml: task: "binry" is not allowed here');
    expect(err.where).toBe("mlship.yaml:5:7");
    expect(err.fix).toBe(
      'did you mean "binary"? (allowed: one of "binary", "multiclass", "regression", "clustering")',
    );
  });

  it("a top level that is not a mapping", () => {
    const p = onlyProblem("just some text\n");
    expect(p).toMatchObject({ path: "", line: 1, column: 1, allowed: "a mapping of fields" });
  });
});

describe("parseSpec: YAML and file errors", () => {
  it("malformed YAML gives one error with the line and column", () => {
    const err = thrown(() => parseSpec("name: a\nobjective:\n  business: x\n   kpi: y\n")) as MlshipError;
    expect(err.code).toBe("E_SPEC_YAML");
    expect(err.what).toMatch(/^mlship\.yaml is not valid YAML: /);
    expect(err.where).toBe("mlship.yaml:3:13");
    expect(err.data).toMatchObject({ line: 3, column: 13 });
  });

  it("duplicate keys and tabs get a specific fix", () => {
    const dup = thrown(() => parseSpec("name: a\ntask: binary\nname: b\n")) as MlshipError;
    expect([dup.code, dup.where, dup.fix]).toEqual([
      "E_SPEC_YAML",
      "mlship.yaml:3:1",
      "remove or rename one of the two fields with the same name",
    ]);
    const tab = thrown(() => parseSpec("objective:\n\tbusiness: x\n")) as MlshipError;
    expect(tab.where).toBe("mlship.yaml:2:1");
    expect(tab.fix).toContain("spaces");
  });

  it("an empty file", () => {
    const err = thrown(() => parseSpec("# nothing yet\n")) as MlshipError;
    expect(err.code).toBe("E_SPEC_EMPTY");
    expect(err.fix).toContain("mlship init");
  });

  describe("loadSpec", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlship-spec-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("reads a file and a folder holding mlship.yaml", () => {
      writeFileSync(join(dir, "mlship.yaml"), minimal);
      expect(loadSpec(join(dir, "mlship.yaml")).name).toBe("churn");
      expect(loadSpec(dir).target).toBe("churn");
    });

    it("names the file in locations", () => {
      const file = join(dir, "bad.yaml");
      writeFileSync(file, minimal.replace("threshold: 0.8", "threshold: high"));
      const err = thrown(() => loadSpec(file)) as SpecError;
      expect(err.where).toBe(`${file}:9:14`);
    });

    it("a missing file says how to create one", () => {
      const missing = join(dir, "nope", "mlship.yaml");
      const err = thrown(() => loadSpec(missing)) as MlshipError;
      expect(err.code).toBe("E_SPEC_NOT_FOUND");
      expect(err.what).toBe(`no spec file at ${missing}`);
      expect(err.fix).toContain("run `mlship init --data FILE --target COL`");
      const emptyDir = join(dir, "empty");
      mkdirSync(emptyDir);
      expect((thrown(() => loadSpec(emptyDir)) as MlshipError).code).toBe("E_SPEC_NOT_FOUND");
    });
  });
});

describe("didYouMean", () => {
  it("finds typos, case and separator slips, and nothing for unrelated words", () => {
    const fields = ["metric", "models", "split", "maxDepth"];
    expect(didYouMean("metirc", fields)).toBe("metric");
    expect(didYouMean("modles", fields)).toBe("models");
    expect(didYouMean("max_depth", fields)).toBe("maxDepth");
    expect(didYouMean("sp", fields)).toBeUndefined();
    expect(didYouMean("banana", fields)).toBeUndefined();
  });
});

describe("parseSpec: metrics and classes that fit the task", () => {
  it("refuses a regression metric on a binary task, naming the line and the metrics that fit", () => {
    const p = onlyProblem(minimal.replace("primary: roc_auc", "primary: r2"));
    expect(p.path).toBe("metric.primary");
    expect(p.line).toBe(8);
    expect(p.message).toContain('"r2" does not measure a binary task');
    expect(p.message).toContain("roc_auc");
  });

  it("refuses a misfit secondary metric and brier on a multiclass task", () => {
    const text = minimal
      .replace("task: binary", "task: multiclass")
      .replace("threshold: 0.8", "threshold: 0.8\n  secondary: [accuracy, brier]");
    const p = onlyProblem(text.replace("primary: roc_auc", "primary: f1_macro"));
    expect(p.path).toBe("metric.secondary[1]");
    expect(p.message).toContain('"brier" does not measure a multiclass task');
  });

  it("refuses positiveClass outside binary tasks", () => {
    const text = minimal
      .replace("task: binary", "task: regression")
      .replace("primary: roc_auc", "primary: r2");
    const p = onlyProblem(`${text}positiveClass: "Yes"\n`);
    expect(p.path).toBe("positiveClass");
    expect(p.message).toContain('only applies to task "binary"');
  });
});
