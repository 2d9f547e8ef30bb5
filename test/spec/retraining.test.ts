/**
 * The spec's `retraining:` section: defaults, triggers, and problems pinned to the line that has them
 * (a bad cron pattern, an unknown time zone, a window smaller than its minimum, no trigger at all).
 */
import { describe, expect, it } from "vitest";
import { cronProblem, parseSpec } from "../../src/spec/index.js";
import { minimal, problemsOf } from "./helpers.js";

const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("retraining: defaults", () => {
  it("is absent unless written", () => {
    expect(parseSpec(minimal).retraining).toBeUndefined();
  });

  it("one trigger is enough; everything else defaults", () => {
    const r = parseSpec(`${minimal}retraining:\n  on: { drift: true }\n`).retraining;
    expect(r).toEqual({
      on: { drift: true },
      timezone: "UTC",
      cooldown: "1h",
      data: { sources: true, log: true, maxLogRows: 100_000 },
      evaluation: { rows: 500, minRows: 200 },
      promotion: { margin: 0.01, alpha: 0.05 },
      guard: { period: "24h", rows: 500, minRows: 100, alpha: 0.05, rollback: true },
    });
  });

  it("takes every trigger in its long form", () => {
    const r = parseSpec(
      `${minimal}retraining:
  on:
    drift: { features: [monthly_charges, tenure] }
    performanceDrop: { minDrop: 0.02 }
    schedule: "30 2 * * 1-5"
    newLabels: 5000
  timezone: Europe/Paris
  every: 30s
  promotion: { margin: 0.005 }
`,
    ).retraining;
    expect(r?.on).toEqual({
      drift: { features: ["monthly_charges", "tenure"] },
      performanceDrop: { minDrop: 0.02 },
      schedule: "30 2 * * 1-5",
      newLabels: 5000,
    });
    expect(r?.timezone).toBe("Europe/Paris");
    expect(r?.promotion).toEqual({ margin: 0.005, alpha: 0.05 });
  });
});

describe("retraining: problems at their line", () => {
  it("a cron pattern croner refuses, with croner's reason", () => {
    const text = `${minimal}retraining:\n  on:\n    schedule: "61 * * * *"\n`;
    const [p] = problemsOf(text);
    expect(p.path).toBe("retraining.on.schedule");
    expect(p.line).toBe(lineOf(text, "schedule:"));
    expect(p.message).toContain("Invalid value for minute: 61");
    expect(cronProblem("*/5 * * * *")).toBeNull();
    expect(cronProblem("* * *")).toContain("five, six, or seven");
  });

  it("an unknown time zone", () => {
    const text = `${minimal}retraining:\n  on: { schedule: "0 3 * * *" }\n  timezone: Mars/Olympus\n`;
    const [p] = problemsOf(text);
    expect(p.path).toBe("retraining.timezone");
    expect(p.line).toBe(lineOf(text, "timezone:"));
    expect(p.message).toContain('"Mars/Olympus" is not a time zone');
  });

  it("no trigger, a negative margin, an unknown trigger name and a minimum above its window", () => {
    const text = `${minimal}retraining:
  on: {}
  promotion:
    margin: -0.01
  evaluation:
    rows: 100
    minRows: 300
`;
    const problems = problemsOf(text);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath["retraining.on"].message).toContain("no trigger");
    expect(byPath["retraining.promotion.margin"].line).toBe(lineOf(text, "margin:"));
    expect(byPath["retraining.promotion.margin"].allowed).toBe("a number >= 0");
    expect(byPath["retraining.evaluation.minRows"].message).toContain("more than the window's 100 rows");
    expect(byPath["retraining.evaluation.minRows"].line).toBe(lineOf(text, "minRows:"));

    const typo = problemsOf(`${minimal}retraining:\n  on:\n    drfit: true\n`);
    expect(typo[0].message).toBe("unknown field `drfit`");
    expect(typo[0].suggestion).toBe("drift");
  });

  it("share and features together, no data at all, and clustering", () => {
    const both = problemsOf(
      `${minimal}retraining:\n  on:\n    drift: { share: 0.2, features: [tenure] }\n  data: { sources: false, log: false }\n`,
    );
    expect(both.map((p) => p.path).sort()).toEqual(["retraining.data", "retraining.on.drift"]);
    const clustering = problemsOf(
      `name: seg
objective: { business: segments, kpi: none }
task: clustering
metric: { primary: silhouette, threshold: 0.2 }
data: { sources: [{ kind: file, path: d.csv }] }
retraining:
  on: { newLabels: 10 }
`,
    );
    expect(clustering[0].path).toBe("retraining");
    expect(clustering[0].message).toContain("clustering has no labels");
  });
});
