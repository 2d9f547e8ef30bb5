import { resolve } from "node:path";
import type { Command } from "commander";
import type { Dataset } from "../../data/index.js";
import { type TrainEvent, type TrainResult, type TrainSummary, trainFromSpec } from "../../evaluate/index.js";
import { bold, dim, formatNumber, green, printJson, red, say, table, yellow } from "../output.js";
import { type Progress, startProgress } from "../progress.js";
import { loadProject, type Project } from "../project.js";

/** Progress and step lines for a training run; silent under --json so stdout stays machine-readable. */
function reporter(quiet: boolean): (e: TrainEvent) => void {
  let bar: Progress | null = null;
  let folds = 0;
  return (e) => {
    if (quiet) return;
    switch (e.type) {
      case "collected":
        say(
          `collected ${e.dataset.frame.nRows} rows x ${e.dataset.frame.nCols} columns from ${e.dataset.sources.join(", ")}`,
        );
        break;
      case "validated":
        say(`validated: ${e.passed} expectations passed${e.warnings ? `, ${e.warnings} warning(s)` : ""}`);
        break;
      case "split":
        folds = e.folds;
        say(
          `split: ${e.train} rows to train (${e.folds}-fold CV), ${e.holdout} held out for the final check`,
        );
        break;
      case "prep":
        say(`preparation: ${e.description.join("; ")}`);
        break;
      case "candidate":
        if (!bar) bar = startProgress("training", e.total * (folds + 1));
        break;
      case "fold":
        bar?.tick(`${e.name} fold ${e.fold + 1}/${e.folds}`);
        if (e.fold + 1 === e.folds) bar?.tick(`${e.name} cross-validated, refit and timed`, true);
        break;
    }
  };
}

export function printTrainSummary(s: TrainSummary): void {
  const m = s.metric.primary;
  say();
  say(bold(`${s.project}: ${s.objective.business.trim()}`));
  say(dim(`KPI: ${s.objective.kpi}`));
  say();
  const secondary = Object.keys(s.candidates[0]?.cv ?? {}).filter((k) => k !== m);
  say(
    table(
      ["model", `${m} (cv)`, "±", ...secondary, "fit s", "ms/row", "p95 ms", "size", "note"],
      s.candidates.map((c) => [
        c.name === s.best ? `* ${c.name}` : `  ${c.name}`,
        formatNumber(c.cv[m].mean),
        formatNumber(c.cv[m].std, 3),
        ...secondary.map((k) => formatNumber(c.cv[k].mean)),
        c.fitSeconds.toFixed(2),
        formatNumber(c.predictMsPerRow, 4),
        c.latencyP95Ms.toFixed(2),
        `${(c.artifactBytes / 1024).toFixed(0)} KB`,
        c.violations.length > 0 ? red(`breaks: ${c.violations.join("; ")}`) : c.baseline ? "baseline" : "",
      ]),
    ),
  );
  say();
  const score = s.holdout[m];
  const cmp = s.metric.direction === "maximize" ? ">=" : "<=";
  say(`best: ${bold(s.best)}; on the ${s.split.holdout} held-out rows: ${m} = ${bold(formatNumber(score))}`);
  for (const [k, v] of Object.entries(s.holdout)) if (k !== m) say(dim(`  ${k} = ${formatNumber(v)}`));
  say(
    s.meetsThreshold
      ? green(`worth shipping: ${m} ${formatNumber(score)} ${cmp} threshold ${s.metric.threshold}`)
      : yellow(
          `not worth shipping yet: ${m} ${formatNumber(score)} misses the threshold (${cmp} ${s.metric.threshold})`,
        ),
  );
  say(
    `model saved to ${s.artifact.path} (${(s.artifact.bytes / 1024).toFixed(0)} KB, sha256 ${s.artifact.sha256.slice(0, 12)}…)`,
  );
}

export function runTrain(
  project: Project,
  opts: { out?: string; json?: boolean; dataset?: Dataset },
): Promise<TrainResult> {
  return trainFromSpec(project.spec, {
    baseDir: project.baseDir,
    ...(opts.dataset ? { dataset: opts.dataset } : {}),
    ...(opts.out ? { artifactPath: resolve(opts.out) } : {}),
    onEvent: reporter(opts.json === true),
  });
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("Collect, validate, prepare, cross-validate every candidate and a baseline, keep the best")
    .option("-s, --spec <file>", "the spec file", "mlship.yaml")
    .option("-o, --out <file>", "artifact path (default: .mlship/<name>.mlship beside the spec)")
    .option("--json", "print the evaluation summary as JSON on stdout (and nothing else there)")
    .action(async (opts: { spec: string; out?: string; json?: boolean }) => {
      const { summary } = await runTrain(loadProject(opts.spec), opts);
      if (opts.json) printJson(summary);
      else printTrainSummary(summary);
    });
}
