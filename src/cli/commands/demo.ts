/**
 * `npm start`: the lifecycle on the bundled churn example, told in plain words for a newcomer:
 * spec -> collect -> profile -> validate -> prepare -> train and compare -> score customers the model
 * never saw -> say whom to contact and how sure the model is.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { loadArtifact } from "../../artifact/index.js";
import { MlshipError } from "../../core/errors.js";
import { Frame, numeric } from "../../core/frame.js";
import { isTransformer } from "../../core/protocol.js";
import { readFile, writeFrame } from "../../data/index.js";
import { aliasHistory, getRegisteredModel } from "../../registry/index.js";
import { openStore } from "../../store/index.js";
import { getRun, searchRuns } from "../../track/index.js";
import { bold, cyan, dim, formatNumber, green, say, table } from "../output.js";
import { loadProject } from "../project.js";
import { runPredict } from "./predict.js";
import { runPrep } from "./prep.js";
import { runStory } from "./story.js";
import { printTrainSummary, type TrackedTraining, trainTracked } from "./train.js";

const exampleSpec = fileURLToPath(new URL("../../../examples/churn/mlship.yaml", import.meta.url));

function sameFrames(a: Frame, b: Frame): boolean {
  if (a.names.join("\u0000") !== b.names.join("\u0000")) return false;
  return a.names.every((n) => {
    const x = a.numeric(n);
    const y = b.numeric(n);
    return (
      Buffer.compare(
        Buffer.from(x.buffer, x.byteOffset, x.byteLength),
        Buffer.from(y.buffer, y.byteOffset, y.byteLength),
      ) === 0
    );
  });
}

function heading(n: number, text: string): void {
  say();
  say(cyan(bold(`${n}. ${text}`)));
}

export interface DemoOptions {
  /** Tell the production story (live traffic, a price rise, retraining) after the lifecycle. */
  story: boolean;
  /** End after the story instead of serving on (tests, CI). */
  exitAfterStory: boolean;
  port: number;
  seed: number;
}

export async function runDemo(specPath: string, options: DemoOptions): Promise<void> {
  const project = loadProject(specPath);
  const { spec } = project;
  const work = join(project.baseDir, ".mlship");
  mkdirSync(work, { recursive: true });
  const shown = (p: string) => relative(process.cwd(), p) || p;

  heading(1, "Specify: the business problem as a data problem");
  say(`spec: ${shown(project.specPath)}`);
  say(`objective: ${spec.objective.business.trim()}`);
  say(`KPI: ${spec.objective.kpi}`);
  say(
    `task: ${spec.task} classification of "${spec.target}" (positive class ${JSON.stringify(spec.positiveClass)}); ` +
      `worth shipping when ${spec.metric.primary} >= ${spec.metric.threshold} on held-out data`,
  );

  heading(2, "Collect, explore and prepare");
  const prep = await runPrep(project, {});
  const { dataset, report, result } = prep;
  say(
    `collected ${dataset.frame.nRows} rows x ${dataset.frame.nCols} columns from ${dataset.sources.join(", ")}`,
  );
  say(dim(`data fingerprint sha256:${dataset.fingerprint.slice(0, 16)}… (recorded with every model)`));
  for (const c of dataset.schema.columns.filter((c) => c.missingShare > 0)) {
    say(
      `missing values: ${c.name} (${c.type}) has ${Math.round(c.missingShare * dataset.frame.nRows)} blank cells`,
    );
  }
  say(`validated: ${report.summary.passed} expectations passed (types, ranges, allowed values, target)`);
  say(`preparation (chosen from the column types): ${result.description.join("; ")}`);
  say(`${result.inputColumns} input columns -> ${result.outputColumns.length} model-ready columns`);
  const reloaded = loadArtifact(result.artifact.path);
  if (!isTransformer(reloaded.pipeline))
    throw new MlshipError({ what: "the saved preparation is not a transformer", code: "E_DEMO" });
  const same = sameFrames(prep.pipeline.transform(prep.features), reloaded.pipeline.transform(prep.features));
  say(
    `saved ${shown(result.artifact.path)}, reloaded it (checksum verified): ` +
      (same ? "output identical bit for bit" : "OUTPUT DIFFERS"),
  );
  if (!same)
    throw new MlshipError({ what: "the reloaded pipeline does not reproduce the original", code: "E_DEMO" });

  heading(3, "Model and evaluate: cross-validate the candidates and a baseline");
  const storePath = join(work, "store.db");
  const tracked = await trainTracked(project, { dataset, store: storePath });
  const { summary, holdoutRows } = tracked.result;
  printTrainSummary(summary);

  heading(4, "Predict: score customers the model never saw");
  // The held-out customers stand in for this month's active customers: none of them was used to train
  // or choose the model, and we know what they did, so the advice below can be checked.
  const customers = dataset.frame.take(holdoutRows);
  const customerIds = numeric(Float64Array.from(holdoutRows, (r) => r + 1));
  const input = new Frame([["customer", customerIds], ...customers.drop([spec.target!]).entries()]);
  const inputPath = join(work, "customers_to_score.csv");
  const outPath = join(work, "predictions.csv");
  writeFrame(inputPath, input);
  const scored = await runPredict({
    model: summary.artifact.path,
    data: inputPath,
    out: outPath,
    id: "customer",
    chunkRows: 100_000,
  });
  say(`scored ${scored.rows} customers -> ${shown(outPath)} (${scored.seconds.toFixed(2)} s)`);

  const predictions = await readFile(outPath);
  const positive = String(spec.positiveClass);
  const probaName = `proba_${positive}`;
  if (!predictions.has(probaName)) {
    throw new MlshipError({ what: `the predictions have no column ${probaName}`, code: "E_DEMO" });
  }
  const proba = predictions.numeric(probaName);
  const order = Int32Array.from(proba.keys()).sort((a, b) => proba[b] - proba[a]);
  const actual = customers.categorical(spec.target!);
  const left = (i: number) => actual.levels[actual.codes[i]] === positive;
  const top = Math.max(1, Math.round(order.length * 0.2));
  let hits = 0;
  let all = 0;
  for (let i = 0; i < order.length; i++) {
    if (left(order[i])) {
      all++;
      if (i < top) hits++;
    }
  }
  const contract = customers.categorical("contract");
  const charges = customers.numeric("monthly_charges");
  const tenure = customers.numeric("tenure");
  say();
  say(bold("Contact first: the 10 customers most likely to leave"));
  say(
    table(
      ["customer", "chance of leaving", "contract", "tenure (months)", "monthly charges"],
      Array.from(order.subarray(0, 10), (i) => [
        `#${holdoutRows[i] + 1}`,
        `${(proba[i] * 100).toFixed(0)}%`,
        contract.levels[contract.codes[i]],
        formatNumber(tenure[i]),
        `$${charges[i].toFixed(2)}`,
      ]),
    ),
  );
  say();
  const baseRate = all / order.length;
  const topRate = hits / top;
  say(
    `If the retention team calls the top 20% (${top} customers), they reach ${hits} of the ${all} who actually ` +
      `left (${((hits / Math.max(1, all)) * 100).toFixed(0)}%): ${(topRate * 100).toFixed(0)}% of those called ` +
      `were leaving, against ${(baseRate * 100).toFixed(0)}% at random (${(topRate / baseRate).toFixed(1)}x better).`,
  );
  say(
    dim(
      "How sure: probabilities are the model's estimated chance of leaving; the holdout scores above show how " +
        "well they rank customers on data the model never saw.",
    ),
  );

  heading(5, "Produce: every run remembered, every model versioned");
  await showProduction(storePath, tracked, shown);
  if (!options.story) return;

  heading(6, "Production: live traffic, a price rise, and a model that keeps up");
  const started = performance.now();
  const story = await runStory({
    storePath,
    specPath: project.specPath,
    version: tracked.registration.version,
    port: options.port,
    seed: options.seed,
    shown,
  });
  say(dim(`(the story took ${((performance.now() - started) / 1000).toFixed(0)} s)`));
  if (options.exitAfterStory) {
    await story.close();
    say(dim("(--exit-after-story: the server stopped)"));
    return;
  }
  const stopped = new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  await story.keepWatching();
  say();
  say(
    bold(
      `The server keeps running at ${story.url}, with the retraining loop watching it. Ctrl-C stops both.`,
    ),
  );
  // A real customer of the data (the first one), as a client would send it.
  const { [spec.target as string]: _, ...customer } = dataset.frame.take(Int32Array.of(0)).rows()[0];
  say(dim("  # score a customer"));
  say(
    `  curl -s ${story.url}/v1/models/${tracked.registration.name}/predict -H 'content-type: application/json' -d '${JSON.stringify({ records: [customer] })}'`,
  );
  say(dim("  # more of the story: the next customers, after the rise"));
  say(`  npx mlship simulate --url ${story.url} --offset 5500 --before 0 --after 1500 --follow`);
  const signal = await stopped;
  say(`${signal}: stopping the server (a retraining in progress finishes first)`);
  await story.close();
}

/** What the store now holds after this training: the run and its children, the version and the champion. */
async function showProduction(
  storePath: string,
  tracked: TrackedTraining,
  shown: (p: string) => string,
): Promise<void> {
  await using store = await openStore(storePath, { create: false });
  const run = await getRun(store, tracked.runId);
  const children = await searchRuns(store, { parentRunId: run.runId, maxResults: 1000 });
  const folds = (
    await Promise.all(children.runs.map((c) => searchRuns(store, { parentRunId: c.runId, maxResults: 1000 })))
  ).reduce((n, r) => n + r.runs.length, 0);
  const source = run.source;
  say(
    `tracked: run ${bold(run.runId.slice(0, 12))} ${run.status.toLowerCase()} in ${shown(storePath)}, with ` +
      `${Object.keys(run.params).length} params, ${Object.keys(run.metrics).length} metrics, ` +
      `${children.runs.length} candidate runs and ${folds} CV-fold runs beneath it`,
  );
  say(
    dim(
      `  recorded: data sha256:${(run.inputs[0]?.digest ?? "?").slice(0, 12)}…, seed ${source.seed ?? "-"}, ` +
        `git ${source.gitCommit ? `${source.gitCommit.slice(0, 10)}${source.gitDirty ? " (dirty)" : ""}` : "-"}, ` +
        `mlship ${source.mlshipVersion}, Node ${source.nodeVersion}; artifacts ${run.artifacts.map((a) => a.path).join(", ")}`,
    ),
  );
  const reg = tracked.registration;
  say(reg.promoted ? green(reg.message) : reg.message);
  const model = await getRegisteredModel(store, reg.name);
  const history = await aliasHistory(store, reg.name, "champion");
  say(
    `registry: ${reg.name} has ${model.latestVersion} version(s); aliases ${
      Object.entries(model.aliases)
        .map(([a, v]) => `${a} -> v${v}`)
        .join(", ") || "none yet"
    }`,
  );
  for (const e of history.slice(-3)) {
    say(
      dim(
        `  ${new Date(e.at).toISOString()} ${e.actor}: champion ${e.fromVersion === null ? "(none)" : `v${e.fromVersion}`} -> ` +
          `${e.toVersion === null ? "(none)" : `v${e.toVersion}`} (${e.reason ?? e.action})`,
      ),
    );
  }
  const spec = shown(join(dirname(storePath), "..", "mlship.yaml"));
  say();
  say("Next:");
  const next: Array<[string, string]> = [
    [`npx mlship runs list --spec ${spec}`, "every training, newest first"],
    [`npx mlship models history ${reg.name} --spec ${spec}`, "who moved the champion, when and why"],
    [
      `npx mlship serve --store ${shown(storePath)} --watch --spec ${spec}`,
      "serve the champion, log every prediction, retrain by the spec's retraining policy",
    ],
    [`npx mlship simulate --url http://127.0.0.1:5000 --follow`, "replay the churn story through it"],
    [
      `npx mlship predict --model ${shown(tracked.result.summary.artifact.path)} --data YOUR.csv --out scored.csv`,
      "score new customers",
    ],
  ];
  for (const [command, what] of next) say(`${dim(`  # ${what}`)}\n  ${command}`);
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("Run the whole lifecycle on the bundled telco churn example (what `npm start` runs)")
    .option("-s, --spec <file>", "the example spec", exampleSpec)
    .option("--no-story", "stop after the lifecycle: no server, no production story")
    .option(
      "--exit-after-story",
      "stop the server once the story is told (default: keep serving until Ctrl-C; also MLSHIP_DEMO_EXIT=1)",
    )
    .option(
      "--port <port>",
      "where the story's server listens (a port in use falls back to a free one)",
      "5000",
    )
    .option("--seed <n>", "seed of the story's traffic and of who reacts to the price rise", "42")
    .action(
      async (opts: {
        spec: string;
        story: boolean;
        exitAfterStory?: boolean;
        port: string;
        seed: string;
      }) => {
        if (!existsSync(opts.spec)) {
          throw new MlshipError({
            what: "the bundled example is missing",
            where: opts.spec,
            fix: "run from a full checkout of mlship (examples/ ships with the repository)",
            code: "E_DEMO_MISSING",
          });
        }
        say(
          bold(
            opts.story
              ? "mlship demo: from a business question to a model that keeps itself up to date, on the telco churn example"
              : "mlship demo: from a business question to scored customers, on the telco churn example",
          ),
        );
        const port = Number(opts.port);
        const seed = Number(opts.seed);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new MlshipError({
            what: `--port must be 0 to 65535, got ${opts.port}`,
            fix: "e.g. --port 5000",
            code: "E_USAGE",
          });
        if (!Number.isInteger(seed) || seed < 0)
          throw new MlshipError({
            what: `--seed must be a whole number >= 0, got ${opts.seed}`,
            fix: "e.g. --seed 42",
            code: "E_USAGE",
          });
        await runDemo(opts.spec, {
          story: opts.story,
          exitAfterStory: opts.exitAfterStory === true || process.env.MLSHIP_DEMO_EXIT === "1",
          port,
          seed,
        });
        say(dim(`(work files in ${dirname(opts.spec)}/.mlship)`));
      },
    );
}
