/**
 * The end of `npm start`: the production story, told for a business reader. The trained model serves
 * real HTTP traffic (the churn customers, replayed), a price rise changes what customers pay and who
 * leaves, their outcomes arrive later through the feedback endpoint, and the retraining loop (the same
 * WatchHost `mlship serve --watch` runs) finds the drift, trains a challenger, compares it with the
 * champion on the latest customers with a known outcome, promotes it or refuses it, then guards it.
 * The demo asks the loop for a round at each step of the story instead of waiting for its timer, so
 * the story takes seconds and reads in order; the decisions are the loop's own, recorded as always.
 */
import { resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import {
  type Customer,
  projectOf,
  Replay,
  type RoundReport,
  readState,
  type StepSummary,
  storySummary,
  updateState,
  WatchHost,
} from "../../automate/index.js";
import { MlshipError } from "../../core/errors.js";
import { championAlias, getVersionByAlias, setAlias } from "../../registry/index.js";
import type { Spec } from "../../spec/index.js";
import { openStore, type Store } from "../../store/index.js";
import { bold, dim, formatNumber, green, say, yellow } from "../output.js";
import { storyCustomers, storyLines } from "./simulate.js";
import { roundLines, stepLines } from "./watch.js";

export interface StoryOptions {
  storePath: string;
  specPath: string;
  /** The version this demo run trained: the story starts with it as champion. */
  version: number;
  /** Where to listen; 0 picks a free port, and a port in use falls back to a free one. */
  port: number;
  seed: number;
  shown: (p: string) => string;
}

export interface Story {
  url: string;
  /** The decisions of the story, in order. */
  rounds: RoundReport[];
  /** Stops the loop and the server, and closes the store. */
  close(): Promise<void>;
  /** Keeps the retraining loop going on its timer, as `mlship serve --watch` does. */
  keepWatching(): Promise<void>;
}

const fmt = (x: number) => formatNumber(x, 3);
const pfmt = (p: number) => (p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2))));
const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

async function listenDemo(app: FastifyInstance, port: number): Promise<string> {
  try {
    return await app.listen({ host: "127.0.0.1", port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || port === 0) throw err;
    say(dim(`port ${port} is in use: serving on a free port instead`));
    return app.listen({ host: "127.0.0.1", port: 0 });
  }
}

/** The server answers with `version` once its alias poll has seen the promotion (about a second). */
async function servedVersion(url: string, version: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const r = (await fetch(`${url}/readyz`).then((x) => x.json())) as { version?: number };
    if (r.version === version) return;
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** What the watcher saw this round, in plain words. */
function sayChecked(r: RoundReport): void {
  const s = r.state;
  if (!s) return;
  const d = s.drift;
  if (d?.judged) {
    const drifted = d.features.filter((f) => f.drifted);
    say(
      drifted.length === 0
        ? `the customers look like the ones the model learned from: none of the ${d.testedCount} inputs drifted`
        : `what changed in the customers: ${drifted
            .map(
              (f) => `${f.column} (${f.test} ${fmt(f.statistic ?? f.pValue ?? 0)}, alarm at ${f.threshold})`,
            )
            .join(", ")}; the other ${d.testedCount - drifted.length} inputs did not drift`,
    );
  }
  const p = s.performance;
  const e = p?.metrics.find((m) => m.metric === p.primary);
  if (p && e && !p.note) {
    say(
      `how well the model ranks the ${plural(p.rows, "latest customer")} whose outcome is known: ${e.metric} ${fmt(e.value)} ` +
        `(95% interval ${fmt(e.lower)} to ${fmt(e.upper)}; ${fmt(e.holdout ?? Number.NaN)} on the held-out customers at training)`,
    );
  }
}

/** A retraining as it happens: what fired it, the data, the challenger, the comparison. */
function sayStep(s: StepSummary): void {
  switch (s.step) {
    case "triggered":
      sayChecked({ state: s.state } as RoundReport);
      for (const t of s.triggers.filter((x) => x.fired)) say(`trigger: ${t.reason}`);
      say(dim("retraining: a challenger is trained with the same spec, on fresh data..."));
      break;
    case "data":
      say(
        `fresh data: the challenger learns from the ${plural(s.data.logRows, "customer")} scored in production whose outcome is known` +
          (s.data.sourceRows > 0
            ? ` and the ${plural(s.data.sourceRows, "row")} of the spec's sources`
            : "") +
          `, all older than the latest ${s.data.evaluationRows}, which are kept apart to judge it: it never sees them`,
      );
      break;
    case "trained": {
      const [m, v] = Object.entries(s.holdout)[0] ?? ["", Number.NaN];
      say(
        `challenger v${s.version} trained: ${s.model} chosen among ${s.candidates.map((c) => c.name).join(", ")}; ` +
          `${m} ${fmt(v)} on its own held-out customers`,
      );
      break;
    }
    case "compared": {
      const c = s.comparison;
      say(
        `champion vs challenger on the last ${c.rows} customers with a known outcome (${c.classCounts?.positive ?? "?"} of them left): ` +
          `${c.metric} ${fmt(c.a)} vs ${bold(fmt(c.b))}` +
          Object.entries(c.secondary)
            .filter(([m]) => m === "accuracy")
            .map(([m, v]) => `; ${m} ${fmt(v.a)} vs ${fmt(v.b)}`)
            .join(""),
      );
      break;
    }
  }
}

function sayDecision(r: RoundReport): void {
  const d = r.decision;
  if (!d) {
    say(r.action === "none" ? `no retraining needed: no trigger fired` : r.message);
    return;
  }
  const c = d.comparison;
  switch (d.outcome) {
    case "promoted":
      say(
        green(
          bold(`promoted: challenger v${d.version} is now the champion`) +
            (c
              ? `, because it beats v${d.champion} by ${fmt(c.improvement)} of ${c.metric} (the margin is 0.01 or more) and a paired test says the gain is real (p = ${pfmt(c.pValue ?? 1)})`
              : ""),
        ),
      );
      break;
    case "refused":
      say(yellow(bold(`refused: v${d.champion} stays champion.`)));
      for (const x of d.reasons.slice(-3)) say(yellow(`  ${x}`));
      break;
    case "kept":
      say(green(bold(d.summary)));
      break;
    case "rolled-back":
      say(yellow(bold(d.summary)));
      break;
    default:
      say(`${d.outcome}: ${d.summary}`);
  }
}

/** The spec's data file: the story replays its customers. */
function dataFile(spec: Spec, baseDir: string): string {
  const source = spec.data.sources[0];
  if (source?.kind !== "file") {
    throw new MlshipError({
      what: "the production story replays a data file, and the spec's first source is not one",
      where: "spec: data.sources[0]",
      fix: "run the demo on the bundled churn example (npm start)",
      code: "E_DEMO",
    });
  }
  return resolve(baseDir, source.path);
}

export async function runStory(options: StoryOptions): Promise<Story> {
  const project = projectOf(options.specPath);
  const { spec } = project;
  const model = spec.registry.model ?? spec.name;
  const store: Store = await openStore(options.storePath, { create: false });
  // The story starts from the model trained just now, with no cooldown or guard left by an earlier run.
  const current = await getVersionByAlias(store, model, championAlias).catch(() => null);
  if (current?.version !== options.version) {
    await setAlias(store, {
      name: model,
      alias: championAlias,
      version: options.version,
      actor: "mlship demo",
      reason: "mlship demo: the production story starts from the model trained just now",
    });
  }
  const before = await readState(store, model);
  if (before.guard || before.lastRetrainAt !== null || before.lastSkip !== null)
    await updateState(store, model, { guard: null, lastRetrainAt: null, lastSkip: null });

  const { buildServer } = await import("../../serve/index.js");
  const app = await buildServer({ store, actor: "api" });
  const url = await listenDemo(app, options.port);
  const watch = await WatchHost.start({
    storePath: options.storePath,
    specPath: options.specPath,
    loop: false,
    onStep: sayStep,
  });
  let loop: WatchHost | null = null;
  const close = async () => {
    await watch.stop().catch(() => undefined);
    await loop?.stop().catch(() => undefined);
    await app.close();
    await store.close();
  };
  const rounds: RoundReport[] = [];
  try {
    const customers = await storyCustomers({
      data: dataFile(spec, project.baseDir),
      seed: options.seed,
      before: 1500,
      after: 4000,
      offset: 0,
    });
    const phase = (p: Customer["phase"], from: number, to: number) =>
      customers.filter((c) => c.phase === p).slice(from, to);
    const replay = new Replay({ url, model, batch: 20, labelDelay: 200 });
    const look = async () => {
      await app.predictionLog?.flush();
      const r = await watch.round();
      rounds.push(r);
      return r;
    };
    const summary = storySummary(customers.slice(0, 4500));

    say(
      `the model is live at ${bold(url)}: POST ${url}/v1/models/${model}/predict scores customers, every answer is logged`,
    );
    say(
      dim(
        `customers arrive in a seeded random order (the data has no timestamps); each outcome is reported 200 customers later, through ${url}/v1/models/${model}/feedback`,
      ),
    );
    say();
    say(bold("Month 1: business as usual"));
    const first = await replay.send(phase("before", 0, 1500));
    say(
      `served ${plural(first.scored, "customer")} in ${plural(first.requests, "request")}; ${plural(first.labelled, "outcome")} reported so far`,
    );
    const r1 = await look();
    if (r1.action !== "retrained") sayChecked(r1);
    sayDecision(r1);

    say();
    say(bold("Month 2: a price rise (fiber-optic plans +25%, DSL +10%)"));
    const l = storyLines(summary);
    say(dim(l[1]));
    say(dim(l[2]));
    const second = await replay.send(phase("after", 0, 3000));
    await replay.flush();
    say(`served ${plural(second.scored, "more customer")}; every outcome so far is reported`);
    say(dim("the retraining loop looks (a retraining, if it decides on one, takes a little while)..."));
    const r2 = await look();
    if (r2.action !== "retrained") sayChecked(r2);
    const d = r2.decision;
    sayDecision(r2);

    if (d?.outcome === "promoted" && d.version !== null) {
      say();
      say(bold(`Month 3: v${d.version} serves, on probation (the guard)`));
      await servedVersion(url, d.version);
      const third = await replay.send(phase("after", 3000, 4000));
      await replay.flush();
      say(`served ${plural(third.scored, "customer")} with v${d.version}; their outcomes are reported`);
      const r3 = await look();
      const g = r3.decision?.comparison;
      if (g)
        say(
          `on the ${g.rows} customers v${d.version} served since its promotion: v${d.version} ${g.metric} ${fmt(g.a)}, the old v${d.champion} (scored on the same customers) ${fmt(g.b)}`,
        );
      sayDecision(r3);
    }
    say();
    say(
      dim(
        `every decision above is a tracked run and an event: mlship monitor events --store ${options.shown(options.storePath)} --type decision`,
      ),
    );
  } catch (err) {
    await close();
    throw err;
  }
  return {
    url,
    rounds,
    close,
    async keepWatching() {
      await watch.stop();
      loop = await WatchHost.start({
        storePath: options.storePath,
        specPath: options.specPath,
        onRound: (r) => {
          for (const line of roundLines(r)) say(`watch: ${line}`);
        },
        onStep: (step) => {
          for (const line of stepLines(step)) say(`watch: ${line}`);
        },
        onError: (e) => say(yellow(`watch: ${e.what}`)),
      });
    },
  };
}
