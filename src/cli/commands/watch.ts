/**
 * `mlship watch`: the retraining loop for the spec's model, beside a running `mlship serve` (or inside
 * it: `mlship serve --watch`). Each round prints one line; a retraining prints its steps (the data, the
 * challenger, champion vs challenger on the latest labelled predictions, the decision and why).
 */
import type { Command } from "commander";
import {
  type RoundReport,
  type StepSummary,
  stepSummary,
  Watcher,
  watchEveryMs,
} from "../../automate/index.js";
import { openStore, resolveStorePath } from "../../store/index.js";
import { bold, dim, formatNumber, green, printJson, red, say, yellow } from "../output.js";
import { loadProject } from "../project.js";

const time = (at: number) => new Date(at).toISOString().replace("T", " ").slice(0, 19);
const fmt = (x: number) => formatNumber(x);
const pfmt = (p: number) => (p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2))));

/** A retraining step in one or two lines. */
export function stepLines(s: StepSummary): string[] {
  switch (s.step) {
    case "triggered":
      return [
        `  ${s.triggers
          .filter((t) => t.fired)
          .map((t) => t.reason)
          .join("; ")}: retraining`,
      ];
    case "data":
      return [
        `  data: ${s.data.sourceRows} rows from the sources + ${s.data.logRows} labelled predictions from the log; ` +
          `the latest ${s.data.evaluationRows} labelled predictions kept apart to judge` +
          (s.data.duplicatesDropped > 0
            ? ` (${s.data.duplicatesDropped} training rows that are the same customers dropped)`
            : ""),
      ];
    case "trained": {
      const [m, score] = Object.entries(s.holdout)[0] ?? ["", Number.NaN];
      return [
        `  challenger v${s.version}: ${s.model}, trained on ${s.trainRows} rows, holdout ${m} ${fmt(score)}`,
      ];
    }
    case "compared": {
      const c = s.comparison;
      const diff = `${c.improvement >= 0 ? "+" : ""}${fmt(c.improvement)}`;
      return [
        `  on the latest ${c.rows} labelled predictions: champion ${c.metric} ${fmt(c.a)}, challenger ${fmt(c.b)} (${diff}` +
          (c.pValue === null ? `; ${c.note ?? "no test"})` : `, ${c.test} p = ${pfmt(c.pValue)})`),
      ];
    }
  }
}

const outcomeColour: Record<string, (s: string) => string> = {
  promoted: green,
  kept: green,
  "rolled-back": yellow,
  refused: (s) => s,
  skipped: dim,
  "not-judged": dim,
  failed: red,
};

/** A round in one line (and its decision's reasons under it). */
export function roundLines(r: RoundReport): string[] {
  const head = `${dim(time(r.at))} ${r.model}${r.champion === null ? "" : ` v${r.champion}`}:`;
  const d = r.decision;
  if (!d) return [`${head} ${r.action === "none" ? dim(r.message) : r.message}`];
  const colour = outcomeColour[d.outcome] ?? ((s: string) => s);
  return [`${head} ${colour(bold(d.outcome))}: ${d.summary}`, ...d.reasons.map((x) => dim(`  - ${x}`))];
}

export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description(
      "Retrain the spec's model when its retraining triggers fire; promote a challenger only if it wins on live data",
    )
    .option("-s, --spec <file>", "the spec file (its retraining section is the policy)", "mlship.yaml")
    .option(
      "--store <file>",
      "the store the server logs to (default: MLSHIP_STORE, else .mlship/store.db beside the spec)",
    )
    .option("--once", "look once, print the round and exit")
    .option("--json", "with --once: print the round as JSON on stdout")
    .action(async (opts: { spec: string; store?: string; once?: boolean; json?: boolean }) => {
      const project = loadProject(opts.spec);
      const store = await openStore(resolveStorePath({ store: opts.store, baseDir: project.baseDir }), {
        create: false,
      });
      const quiet = opts.json === true;
      const print = (lines: string[]) => {
        if (!quiet) for (const l of lines) say(l);
      };
      const watcher = new Watcher({
        store,
        project,
        onRound: (r) => print(roundLines(r)),
        onStep: (s) => print(stepLines(stepSummary(s))),
        onError: (err) => say(red(`watch: ${err instanceof Error ? err.message : String(err)}`)),
      });
      try {
        if (opts.once) {
          if (!quiet) say(dim(`${watcher.model}: one look (policy from ${project.specPath})`));
          const r = await watcher.round();
          if (opts.json) printJson(r);
          return;
        }
        const every = watchEveryMs(project);
        say(
          `watching ${bold(watcher.model)} in ${store.path} every ${every / 1000} s ` +
            `(policy from ${project.specPath}; Ctrl-C stops)`,
        );
        const stopped = new Promise<string>((resolve) => {
          process.once("SIGINT", () => resolve("SIGINT"));
          process.once("SIGTERM", () => resolve("SIGTERM"));
        });
        watcher.start();
        const signal = await stopped;
        say(`${signal}: stopping (a retraining in progress finishes first)`);
      } finally {
        await watcher.stop();
        await store.close();
      }
    });
}
