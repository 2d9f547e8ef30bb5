/**
 * Search spaces and the tune section of mlship.yaml: what parses, and every mistake a space can make on
 * its own reported at its line with what to write instead.
 */
import { describe, expect, it } from "vitest";
import { durationSeconds, parseSpec, specProblems } from "../../src/spec/index.js";
import { minimal, problemsOf } from "./helpers.js";

const withSpace = (space: string, params = "{}") =>
  `${minimal}models:\n  - kind: randomForestClassifier\n    params: ${params}\n    space:\n${space}`;

describe("search spaces in the spec", () => {
  it("parses int, float (uniform, log, stepped), choice and conditions, and the tune defaults", () => {
    const spec = parseSpec(
      withSpace(
        [
          "      maxDepth: { int: [2, 30] }",
          "      minSamplesLeaf: { int: [1, 64], log: true }",
          "      maxFeatures: { float: [0.1, 1.0] }",
          "      nEstimators: { int: [100, 400], step: 100 }",
          "      bootstrap: { choice: [true, false] }",
          "      maxSamples: { float: [0.3, 1.0], when: { bootstrap: true } }",
          "",
        ].join("\n"),
      ),
    );
    expect(spec.models[0].space).toEqual({
      maxDepth: { int: [2, 30], log: false },
      minSamplesLeaf: { int: [1, 64], log: true },
      maxFeatures: { float: [0.1, 1.0], log: false },
      nEstimators: { int: [100, 400], log: false, step: 100 },
      bootstrap: { choice: [true, false] },
      maxSamples: { float: [0.3, 1.0], log: false, when: { bootstrap: true } },
    });
    expect(spec.tune).toEqual({
      sampler: "tpe",
      pruner: "median",
      tpe: { startupTrials: 10, eiCandidates: 24, multivariate: false },
    });
  });

  it("parses a tune section with a budget, a duration and the median pruner's settings", () => {
    const spec = parseSpec(
      `${minimal}tune:\n  sampler: random\n  trials: 20\n  timeout: 10m\n  seed: 7\n  pruner: { kind: median, warmupSteps: 1 }\n`,
    );
    expect(spec.tune).toMatchObject({ sampler: "random", trials: 20, timeout: "10m", seed: 7 });
    expect(spec.tune.pruner).toEqual({
      kind: "median",
      startupTrials: 5,
      warmupSteps: 1,
      intervalSteps: 1,
      minTrials: 1,
    });
    expect([
      durationSeconds("10m"),
      durationSeconds("90s"),
      durationSeconds("2h"),
      durationSeconds(45),
    ]).toEqual([600, 90, 7200, 45]);
  });

  it("reports every broken range at its line, with what to write instead", () => {
    const found = problemsOf(
      withSpace(
        [
          "      maxDepth: { int: [30, 2] }", // 18
          "      minSamplesLeaf: { int: [4, 4] }", // 19
          "      maxFeatures: { float: [0, 1], log: true }", // 20
          "      nEstimators: { int: [100, 450], step: 100 }", // 21
          "      minSamplesSplit: { int: [2, 20], step: 2, log: true }", // 22
          "",
        ].join("\n"),
      ),
    );
    expect(found.map((p) => [p.path, p.line])).toEqual([
      ["models[0].space.maxDepth.int", 18],
      ["models[0].space.minSamplesLeaf.int", 19],
      ["models[0].space.maxFeatures.float", 20],
      ["models[0].space.nEstimators.step", 21],
      ["models[0].space.minSamplesSplit.step", 22],
    ]);
    expect(found[0].message).toMatch(/\[30, 2\] is empty/);
    expect(found[1].message).toMatch(/single value; fix "minSamplesLeaf" in params/);
    expect(found[2].message).toMatch(/log scale needs bounds > 0, got \[0, 1\]/);
    expect(found[3].message).toMatch(/not a whole number of steps of 100; use a high bound of 400 or 500/);
    expect(found[4].message).toMatch(/step and log cannot be combined/);
  });

  it("rejects a parameter both fixed and searched, repeated choices and a one-value choice", () => {
    const found = problemsOf(
      withSpace(
        [
          "      maxDepth: { int: [2, 8] }",
          "      criterion: { choice: [gini, gini, entropy] }",
          "      bootstrap: { choice: [true] }",
          "",
        ].join("\n"),
        "{ maxDepth: 6 }",
      ),
    );
    expect(found.map((p) => p.path)).toEqual([
      "models[0].space.maxDepth",
      "models[0].space.criterion.choice[1]",
      "models[0].space.bootstrap.choice",
    ]);
    expect(found[0].message).toMatch(/both fixed in params and searched in space/);
    expect(found[1].message).toMatch(/"gini" is listed twice/);
    expect(found[2].message).toMatch(/put "bootstrap: true" in params/);
  });

  it("checks conditions: a known choice of the same space, its values, no loops", () => {
    const found = problemsOf(
      withSpace(
        [
          "      bootstrap: { choice: [true, false] }",
          "      maxDepth: { int: [2, 8] }",
          "      maxSamples: { float: [0.3, 1.0], when: { bootstrapp: true } }",
          "      minSamplesLeaf: { int: [1, 8], when: { maxDepth: 3 } }",
          "      maxFeatures: { float: [0.2, 1.0], when: { bootstrap: [true, maybe] } }",
          "      criterion: { choice: [gini, entropy], when: { oobScore: yes } }",
          "      oobScore: { choice: [yes, no], when: { criterion: gini } }",
          "",
        ].join("\n"),
      ),
    );
    const byPath = Object.fromEntries(found.map((p) => [p.path, p.message]));
    expect(byPath["models[0].space.maxSamples.when.bootstrapp"]).toMatch(/did you mean "bootstrap"\?/);
    expect(byPath["models[0].space.minSamplesLeaf.when.maxDepth"]).toMatch(/only test a choice parameter/);
    expect(byPath["models[0].space.maxFeatures.when.bootstrap"]).toMatch(
      /"maybe" is not one of "bootstrap"'s choices/,
    );
    expect(byPath["models[0].space.criterion.when"]).toMatch(
      /loop back on themselves \(criterion -> oobScore -> criterion\)/,
    );
  });

  it("an unknown field in a space entry is named with the closest field", () => {
    const found = problemsOf(withSpace("      maxDepth: { int: [2, 8], lgo: true }\n"));
    expect(found.map((p) => [p.path, p.suggestion])).toEqual([["models[0].space.maxDepth.lgo", "log"]]);
  });

  it("later stages point their findings at the spec's lines", () => {
    const spec = parseSpec(withSpace("      maxDeph: { int: [2, 8] }\n"), { path: "specs/churn.yaml" });
    const err = specProblems(spec, [
      {
        path: ["models", 0, "space", "maxDeph"],
        at: "key",
        message: 'randomForestClassifier has no parameter "maxDeph"',
        suggestion: "maxDepth",
      },
    ]);
    expect(err.code).toBe("E_SPEC_INVALID");
    expect(err.where).toBe("specs/churn.yaml:18:7");
    expect(err.lines()).toEqual([
      'specs/churn.yaml:18:7  models[0].space.maxDeph: randomForestClassifier has no parameter "maxDeph" — did you mean "maxDepth"?',
    ]);
  });
});
