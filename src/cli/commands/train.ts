import { resolve } from "node:path";
import type { Command } from "commander";
import {
  runTraining,
  type TrackedTraining,
  type TrainingOptions,
  trainTracked as trainTrackedIn,
  tunes as tunesSpec,
} from "../../automate/index.js";
import { MlshipError } from "../../core/errors.js";
import type { TrainEvent, TrainResult, TrainSummary } from "../../evaluate/index.js";
import { openStore, resolveStorePath, type Store } from "../../store/index.js";
import type { TrialSummary, TuneEvent, TuneSummary } from "../../tune/index.js";
import { bold, dim, formatNumber, green, printJson, red, say, table, yellow } from "../output.js";
import { type Progress, startProgress } from "../progress.js";
import { loadProject, type Project } from "../project.js";
import { osUser } from "./models.js";

const shown = (x: number | null) => (x === null ? "n/a" : formatNumber(x));

/** One trial in a few words, for the progress line. */
function trialWords(t: TrialSummary): string {
  if (t.state === "complete")
    return `trial ${t.number}: ${shown(t.value)}${t.duplicateOf === undefined ? "" : ` (as trial ${t.duplicateOf})`}`;
  if (t.state === "pruned") return `trial ${t.number}: pruned after fold ${(t.prunedAfterFold ?? 0) + 1}`;
  return `trial ${t.number}: failed (${t.error?.what ?? "error"})`;
}

/** Progress and step lines for a training run; silent under --json so stdout stays machine-readable. */
function reporter(quiet: boolean): (e: TrainEvent | TuneEvent) => void {
  let bar: Progress | null = null;
  let tuning: Progress | null = null;
  let folds = 0;
  let bestNumber = -1;
  return (e) => {
    if (quiet) return;
    switch (e.type) {
      case "tune-start":
        say(
          `tuning ${e.models.join(", ")} with ${e.sampler}: up to ${e.trials} trials${e.timeoutSeconds === null ? "" : ` or ${e.timeoutSeconds} s`}, ${folds}-fold CV each`,
        );
        tuning = startProgress("tuning", e.trials);
        break;
      case "trial": {
        const improved = e.best !== null && e.best.number !== bestNumber;
        if (e.best !== null) bestNumber = e.best.number;
        const best =
          e.best === null ? "no complete trial yet" : `best ${shown(e.best.value)} (trial ${e.best.number})`;
        tuning?.tick(`${best}; ${trialWords(e.trial)}`, improved || e.done % 10 === 0);
        break;
      }
      case "tune-end":
        tuning?.stop();
        tuning = null;
        say(
          `tuned: ${e.trials} trials (${e.stopped === "timeout" ? "time budget reached" : e.stopped === "exhausted" ? "grid exhausted" : e.stopped === "failures" ? "stopped after repeated failures" : "trial budget reached"}); best trial ${e.best.number} (${e.best.model}): ${shown(e.best.value)}`,
        );
        break;
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

/** The study behind the tuned candidates: budget, outcome and the best trial's values. */
export function printTuning(t: TuneSummary["tuning"]): void {
  say();
  say(bold(`tuning: ${t.sampler}, ${t.trials.length} trials in ${t.seconds.toFixed(1)} s`));
  say(
    dim(
      `  ${t.counts.complete} complete, ${t.counts.pruned} pruned${t.pruner === null ? "" : " (median pruner)"}, ${t.counts.failed} failed; seed ${t.seed}; folds on ${t.threads} thread${t.threads === 1 ? "" : "s"}`,
    ),
  );
  const values = Object.entries(t.best.params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ");
  say(`  best: trial ${t.best.number} (${t.best.model}) ${t.metric} ${shown(t.best.value)} (cv): ${values}`);
}

export interface TrainCommandOptions extends Omit<TrainingOptions, "artifactPath" | "onEvent"> {
  out?: string;
  json?: boolean;
}

/** Whether this command tunes: mlship tune always; mlship train when the spec has spaces. */
export function tunes(project: Project, opts: TrainCommandOptions): boolean {
  return tunesSpec(project.spec, opts);
}

const trainingOptions = (opts: TrainCommandOptions): TrainingOptions => ({
  ...opts,
  ...(opts.out ? { artifactPath: resolve(opts.out) } : {}),
  onEvent: reporter(opts.json === true),
});

export function runTrain(project: Project, opts: TrainCommandOptions): Promise<TrainResult> {
  return runTraining(project, trainingOptions(opts));
}

/**
 * The store a training records into, opened before any training starts: a run that silently goes
 * unrecorded would surprise more than a clear refusal up front.
 */
async function openTrainingStore(path: string): Promise<Store> {
  try {
    return await openStore(path);
  } catch (err) {
    if (!(err instanceof MlshipError)) throw err;
    throw new MlshipError(
      {
        what: `cannot record this training: ${err.what}`,
        where: err.where ?? `store: ${path}`,
        fix: `${err.fix ?? "fix the store"}; or train without recording the run: mlship train --no-track`,
        code: err.code,
      },
      { cause: err },
    );
  }
}

export type { TrackedTraining };

/** `mlship train` with tracking: src/automate's trainTracked, with progress, in the store the options name. */
export async function trainTracked(
  project: Project,
  opts: TrainCommandOptions & { store?: string },
): Promise<TrackedTraining> {
  const storePath = resolveStorePath({ store: opts.store, baseDir: project.baseDir });
  const store = await openTrainingStore(storePath);
  try {
    return await trainTrackedIn(store, project, { ...trainingOptions(opts), actor: osUser() });
  } finally {
    await store.close();
  }
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("Collect, validate, prepare, cross-validate every candidate and a baseline, keep the best")
    .option("-s, --spec <file>", "the spec file", "mlship.yaml")
    .option("-o, --out <file>", "artifact path (default: .mlship/<name>.mlship beside the spec)")
    .option("--store <file>", "tracking store (default: MLSHIP_STORE, else .mlship/store.db beside the spec)")
    .option("--no-track", "do not record the training as a run in the store")
    .option("--no-tune", "train the params as written even when models have a space (skip tuning)")
    .option("--json", "print the evaluation summary as JSON on stdout (and nothing else there)")
    .action(
      async (opts: {
        spec: string;
        out?: string;
        json?: boolean;
        store?: string;
        track: boolean;
        tune: boolean;
      }) => {
        await trainCommand(loadProject(opts.spec), opts);
      },
    );
}

/** What `mlship train` and `mlship tune` do once their options are read. */
export async function trainCommand(
  project: Project,
  opts: TrainCommandOptions & { store?: string; track: boolean },
): Promise<void> {
  const printAll = (summary: TrainSummary) => {
    const tuned = (summary as Partial<TuneSummary>).tuning;
    if (tuned) printTuning(tuned);
    printTrainSummary(summary);
  };
  if (!opts.track) {
    const { summary } = await runTrain(project, opts);
    if (opts.json) printJson(summary);
    else printAll(summary);
    return;
  }
  const { result, runId, experimentId, storePath, registration, profile } = await trainTracked(project, opts);
  if (opts.json) {
    printJson({ ...result.summary, runId, experimentId, store: storePath, registration, profile });
    return;
  }
  printAll(result.summary);
  say(`tracked as run ${bold(runId)} in experiment "${project.spec.name}" (${storePath})`);
  say(dim(`  see it with: mlship runs show ${runId}`));
  say(registration.promoted ? green(registration.message) : registration.message);
  if (profile) {
    say(
      dim(
        `  reference profile for monitoring: ${profile.features} features, a sample of ${profile.sampleRows} rows, ` +
          `the holdout's predictions and metrics (mlship monitor profile ${registration.name})`,
      ),
    );
  }
}
