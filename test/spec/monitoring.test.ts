/**
 * The spec's `monitoring:` section: every field defaults, windows are by rows or by duration, alert
 * rules are checked against the task, and problems name the field and its line.
 */
import { describe, expect, it } from "vitest";
import { durationMs, parseSpec } from "../../src/spec/index.js";
import { minimal, problemsOf } from "./helpers.js";

describe("monitoring: defaults", () => {
  it("a spec without the section gets every default", () => {
    const m = parseSpec(minimal).monitoring;
    expect(m).toEqual({
      reference: { sampleRows: 10_000, bins: 20 },
      window: { rows: 1000 },
      history: 12,
      drift: { share: 0.5, minRows: 100, features: {}, prediction: {} },
      performance: { confidence: 0.95, alpha: 0.05, minLabels: 100, bootstrap: 1000 },
      every: "1m",
    });
  });

  it("a partial section keeps the other defaults, and alert rules get theirs", () => {
    const m = parseSpec(
      `${minimal}monitoring:
  window: { duration: 1h }
  drift:
    share: 0.3
    features:
      tenure: { test: psi, threshold: 0.2 }
  alerts:
    - kind: dataDrift
    - { kind: errorRate, above: 0.01 }
    - { kind: latency, aboveMs: 50, name: slow }
  webhook:
    url: https://hooks.example.com/mlship
`,
    ).monitoring;
    expect(m.window).toEqual({ duration: "1h" });
    expect(m.drift).toEqual({
      share: 0.3,
      minRows: 100,
      features: { tenure: { test: "psi", threshold: 0.2 } },
      prediction: {},
    });
    expect(m.alerts).toEqual([
      { kind: "dataDrift", severity: "warning", repeat: "1h" },
      {
        kind: "errorRate",
        severity: "warning",
        repeat: "1h",
        above: 0.01,
        clientErrors: false,
        window: "15m",
        minRequests: 20,
      },
      {
        kind: "latency",
        name: "slow",
        severity: "warning",
        repeat: "1h",
        percentile: 95,
        aboveMs: 50,
        window: "15m",
        minRequests: 20,
      },
    ]);
    expect(m.webhook).toEqual({
      url: "https://hooks.example.com/mlship",
      timeoutMs: 5000,
      retries: 3,
      backoffMs: 1000,
    });
  });

  it("durations read as milliseconds", () => {
    expect(durationMs("500ms")).toBe(500);
    expect(durationMs("90s")).toBe(90_000);
    expect(durationMs("15m")).toBe(900_000);
    expect(durationMs("1.5h")).toBe(5_400_000);
    expect(durationMs("7d")).toBe(604_800_000);
  });
});

describe("monitoring: problems", () => {
  it("a window needs exactly one of rows and duration", () => {
    const both = problemsOf(`${minimal}monitoring:\n  window: { rows: 10, duration: 1h }\n`);
    expect(both.map((p) => [p.path, p.line])).toEqual([["monitoring.window", 15]]);
    expect(both[0].message).toContain("exactly one of 'rows'");
    const neither = problemsOf(`${minimal}monitoring:\n  window: {}\n`);
    expect(neither.map((p) => p.path)).toEqual(["monitoring.window"]);
  });

  it("a bad duration, an unknown test and an unknown alert kind are named", () => {
    const problems = problemsOf(
      `${minimal}monitoring:
  every: soon
  drift:
    features:
      tenure: { test: anderson }
  alerts:
    - kind: dataDrfit
`,
    );
    expect(problems.map((p) => p.path)).toEqual([
      "monitoring.every",
      "monitoring.drift.features.tenure.test",
      "monitoring.alerts[0].kind",
    ]);
    expect(problems.find((p) => p.path === "monitoring.every")?.allowed).toContain('"15m"');
  });

  it("a performanceDrop metric must measure the task, and rule names are unique", () => {
    const problems = problemsOf(
      `${minimal}monitoring:
  alerts:
    - { kind: performanceDrop, metric: rmse }
    - { kind: latency, aboveMs: 10 }
    - { kind: latency, aboveMs: 50 }
`,
    );
    expect(problems.map((p) => p.path)).toEqual(["monitoring.alerts[0].metric", "monitoring.alerts[2].name"]);
    expect(problems[0].message).toContain('"rmse" does not measure a binary task');
    expect(problems[1].message).toContain('two alert rules are named "latency"');
  });
});
