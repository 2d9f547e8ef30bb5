/**
 * `mlship monitor`: the production side of a model from the terminal.
 *   report   the HTML report (charts as SVG) and its data as JSON, from the prediction log or a file
 *   check    judge the latest window now: findings printed, alert events recorded, webhooks sent
 *   events   what monitoring (and later automation) recorded
 *   profile  the reference profile stored with a version
 * The spec (--spec, or mlship.yaml here) names the model and locates the store, and its monitoring
 * section is what windows are judged by; without one, the settings stored with the profile apply.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { MlshipError } from "../../core/errors.js";
import { writeFileAtomic } from "../../core/fs.js";
import { readFile } from "../../data/index.js";
import {
  alertRules,
  buildReport,
  type CheckOptions,
  checkDataset,
  checkModel,
  type DatasetCheckOptions,
  datasetReport,
  listEvents,
  loadVersionProfile,
  type MonitorEvent,
  type MonitoringState,
  type MonitorReport,
  recordAlerts,
  renderReportHtml,
  WebhookSender,
} from "../../monitor/index.js";
import { searchRegisteredModels } from "../../registry/index.js";
import { defaultSpecFile, durationMs, loadSpec, type Spec, type WindowSpec } from "../../spec/index.js";
import { openStore, resolveStorePath, type Store } from "../../store/index.js";
import { bold, dim, formatNumber, green, printJson, red, say, table, yellow } from "../output.js";

interface CommonOptions {
  spec?: string;
  store?: string;
  model?: string;
  version?: string;
  json?: boolean;
}

interface WindowOptions extends CommonOptions {
  window?: string;
  data?: string;
}

function usage(what: string, fix: string): MlshipError {
  return new MlshipError({ what, fix, code: "E_USAGE" });
}

function specOf(opts: CommonOptions): { spec: Spec; baseDir: string } | null {
  const path = resolve(opts.spec ?? defaultSpecFile);
  if (opts.spec === undefined && !existsSync(path)) return null;
  const spec = loadSpec(path);
  return { spec, baseDir: statSync(path).isDirectory() ? path : dirname(path) };
}

interface Context {
  store: Store;
  spec: Spec | null;
  model: string;
}

/** The model: --model, else the spec's, else the store's only one. */
async function modelOf(store: Store, opts: CommonOptions, spec: Spec | null): Promise<string> {
  if (opts.model) return opts.model;
  if (spec) return spec.registry.model ?? spec.name;
  const { models } = await searchRegisteredModels(store, { maxResults: 2 });
  if (models.length === 1) return models[0].name;
  throw new MlshipError({
    what:
      models.length === 0
        ? "the store has no registered model to monitor"
        : "which model? the store has several",
    where: `store: ${store.path}`,
    fix:
      models.length === 0
        ? "train one first: mlship train"
        : "name it with --model NAME (see mlship models list)",
    code: "E_USAGE",
  });
}

async function withContext<T>(opts: CommonOptions, fn: (c: Context) => Promise<T>): Promise<T> {
  const project = specOf(opts);
  const store = await openStore(resolveStorePath({ store: opts.store, baseDir: project?.baseDir }), {
    create: false,
  });
  try {
    const spec = project?.spec ?? null;
    return await fn({ store, spec, model: await modelOf(store, opts, spec) });
  } finally {
    await store.close();
  }
}

/** "1000" is the latest 1,000 predictions, "1h" the last hour. */
function windowOf(text: string | undefined): WindowSpec | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text) && Number(text) > 0) return { rows: Number(text) };
  try {
    durationMs(text);
    return { duration: text };
  } catch {
    throw usage(
      `--window ${text} is neither a row count nor a duration`,
      "e.g. --window 1000 (rows) or --window 1h",
    );
  }
}

/** The spec's monitoring settings when the spec trains this model; else those stored with the profile. */
const monitoringOf = (c: Context) =>
  c.spec && (c.spec.registry.model ?? c.spec.name) === c.model ? c.spec.monitoring : undefined;

/**
 * One judgement the window options ask for: of a labelled file (`--data`), or of the prediction log's
 * latest window; `ofData` and `ofLog` are the two ways to make it (a state, a report).
 */
async function judge<T>(
  c: Context,
  opts: WindowOptions,
  ofData: (store: Store, o: DatasetCheckOptions) => Promise<T>,
  ofLog: (store: Store, o: CheckOptions) => Promise<T>,
): Promise<T> {
  const window = windowOf(opts.window);
  const monitoring = monitoringOf(c);
  const common = {
    model: c.model,
    ...(opts.version === undefined ? {} : { version: opts.version }),
    ...(monitoring ? { monitoring } : {}),
  };
  if (opts.data) {
    const frame = await readFile(resolve(opts.data));
    return ofData(c.store, {
      ...common,
      frame,
      source: opts.data,
      ...(window?.rows ? { windowRows: window.rows } : {}),
    });
  }
  return ofLog(c.store, { ...common, ...(window ? { window } : {}) });
}

const stateOf = (c: Context, opts: WindowOptions): Promise<MonitoringState> =>
  judge(c, opts, checkDataset, checkModel);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const when = (ms: number | null) =>
  ms === null ? "-" : new Date(ms).toISOString().replace("T", " ").slice(0, 19);

function printState(s: MonitoringState): void {
  const w = s.window;
  const span =
    w.kind === "rows"
      ? `the latest ${w.size} predictions (${w.rows} found)`
      : `the last ${w.size / 60_000} min (${w.rows} predictions)`;
  say(
    bold(
      `${s.model} v${s.version}: ${span}${w.from === null ? "" : `, ${when(w.from)} to ${when(w.to)} UTC`}`,
    ),
  );
  if (!s.profile)
    say(yellow("  no reference profile: drift and performance need a version trained by `mlship train`"));
  if (s.drift) {
    const d = s.drift;
    say(
      d.judged
        ? `  data drift: ${d.driftedCount} of ${d.testedCount} features (${pct(d.share)}; dataset drift at ${pct(d.driftShare)})${d.datasetDrift ? red(" DATASET DRIFT") : ""}`
        : dim(`  data drift: not judged (${d.note})`),
    );
    const drifted = d.features.filter((f) => f.drifted);
    if (drifted.length > 0) {
      say(
        table(
          ["  feature", "test", "statistic", "p-value", "threshold"],
          drifted.map((f) => [
            `  ${f.column}`,
            f.test,
            formatNumber(f.statistic),
            f.pValue === undefined ? "" : formatNumber(f.pValue),
            String(f.threshold),
          ]),
        ),
      );
    }
  }
  if (s.predictionDrift) {
    say(
      `  prediction drift: ${s.predictionDrift.features.map((f) => `${f.column} ${f.test} ${formatNumber(f.statistic)}${f.drifted ? red(" DRIFT") : ""}`).join("; ") || "-"}`,
    );
  }
  const perf = s.performance;
  if (perf && perf.metrics.length > 0) {
    say(`  performance on ${perf.rows} labelled predictions${perf.note ? dim(` (${perf.note})`) : ""}:`);
    say(
      table(
        [
          "  metric",
          "value",
          `${pct(s.monitoring.performance.confidence)} interval`,
          "holdout",
          "p (drop)",
          "",
        ],
        perf.metrics.map((m) => [
          `  ${m.metric}`,
          formatNumber(m.value),
          `[${formatNumber(m.lower)}, ${formatNumber(m.upper)}]`,
          formatNumber(m.holdout),
          formatNumber(m.pValue),
          m.significant ? red("significant drop") : "",
        ]),
      ),
    );
  } else if (perf) say(dim(`  performance: ${perf.note ?? "no labelled predictions"}`));
  if (s.traffic.requests > 0) {
    say(
      `  traffic: ${s.traffic.requests} requests, ${pct(s.traffic.errorRate)} server errors, p95 ${formatNumber(s.traffic.p95Ms, 2)} ms`,
    );
  }
  say("  alert rules:");
  for (const f of s.findings) {
    const mark = f.firing ? red("FIRING") : f.judged ? green("ok") : dim("not judged");
    say(`    ${f.rule.padEnd(16)} ${mark}  ${f.message}`);
  }
}

function printEvents(events: readonly MonitorEvent[]): void {
  if (events.length === 0) {
    say(dim("no events"));
    return;
  }
  say(
    table(
      ["time (UTC)", "model", "type", "name", "status", "severity", "message", "webhook"],
      events.map((e) => [
        when(e.at),
        `${e.model}${e.version === null ? "" : ` v${e.version}`}`,
        e.type,
        e.name,
        e.status === "firing" ? red(e.status) : e.status,
        e.severity,
        e.message,
        e.delivery === "none" ? "" : `${e.delivery}${e.attempts ? ` (${e.attempts})` : ""}`,
      ]),
    ),
  );
}

async function runReport(opts: WindowOptions & { out: string; jsonOut?: string }): Promise<void> {
  const report = await withContext(
    opts,
    (c): Promise<MonitorReport> => judge(c, opts, datasetReport, buildReport),
  );
  const html = await renderReportHtml(report);
  const out = resolve(opts.out);
  const jsonOut = resolve(opts.jsonOut ?? out.replace(/\.html?$/i, "") + ".json");
  try {
    writeFileAtomic(out, html);
    writeFileAtomic(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  } catch (err) {
    throw new MlshipError(
      {
        what: `cannot write the report (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
        where: out,
        fix: "choose an --out path in a folder you can write",
        code: "E_MONITOR_WRITE",
      },
      { cause: err },
    );
  }
  if (opts.json) printJson(report);
  else {
    printState(report.state);
    say();
  }
  say(`report written to ${out} (data: ${jsonOut})`);
}

async function runCheck(opts: WindowOptions & { alerts: boolean; failOnAlert?: boolean }): Promise<void> {
  const { state, events } = await withContext(opts, async (c) => {
    const state = await stateOf(c, opts);
    if (!opts.alerts || opts.data) return { state, events: [] as MonitorEvent[] };
    const { profile } = await loadVersionProfile(c.store, c.model, state.version);
    const rules = alertRules(state.monitoring, profile?.constraints);
    const webhook = state.monitoring.webhook;
    const events = await recordAlerts(c.store, state, rules, { webhook: webhook !== undefined });
    if (webhook && events.length > 0) {
      const sender = new WebhookSender(c.store);
      for (const e of events) sender.send(e, webhook);
      await sender.idle();
    }
    return {
      state,
      events: await listEvents(c.store, { model: c.model, limit: Math.max(1, events.length) }).then((all) =>
        all.filter((e) => events.some((x) => x.id === e.id)),
      ),
    };
  });
  if (opts.json) printJson({ state, events });
  else {
    printState(state);
    if (events.length > 0) {
      say();
      say(bold("new events:"));
      printEvents(events);
    }
  }
  if (opts.failOnAlert && state.findings.some((f) => f.firing)) process.exitCode = 1;
}

function sinceOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return Date.now() - durationMs(text);
  } catch {
    const t = Date.parse(text);
    if (Number.isNaN(t))
      throw usage(
        `--since ${text} is neither a duration nor a date`,
        "e.g. --since 1d or --since 2026-01-31",
      );
    return t;
  }
}

function limitOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw usage(`--limit must be a whole number from 1 to 10000, got ${text}`, "e.g. --limit 50");
  return n;
}

export function registerMonitor(program: Command): void {
  const monitor = program
    .command("monitor")
    .description("Production monitoring: drift, performance, traffic and alerts for a served model");
  const common = (c: Command) =>
    c
      .option(
        "-s, --spec <file>",
        "the spec (default: mlship.yaml here, if any): model, store and monitoring settings",
      )
      .option("--store <file>", "the store (default: MLSHIP_STORE, else .mlship/store.db beside the spec)")
      .option("--model <name>", "the registered model (default: the spec's, else the store's only one)")
      .option("--version <n|alias>", "a version number, an alias or latest (default: champion)");
  const windowed = (c: Command) =>
    common(c)
      .option(
        "--window <rows|duration>",
        "the latest N predictions (e.g. 1000) or a span (e.g. 1h); default the spec's",
      )
      .option(
        "--data <file>",
        "monitor this file (features, and the target when known) instead of the prediction log",
      );

  windowed(monitor.command("report"))
    .description("Write the HTML monitoring report (charts as SVG) and the same data as JSON")
    .option("-o, --out <file>", "the HTML report", "monitor-report.html")
    .option("--json-out <file>", "the JSON data (default: the --out path with .json)")
    .option("--json", "also print the report's data as JSON on stdout")
    .action(runReport);

  windowed(monitor.command("check"))
    .description("Judge the latest window now: print findings, record alert events and send webhooks")
    .option("--no-alerts", "only look: record no events and send nothing")
    .option("--fail-on-alert", "exit with status 1 when any alert rule fires (for cron and CI)")
    .option("--json", "print the state and new events as JSON on stdout")
    .action(runCheck);

  monitor
    .command("events")
    .description("List monitoring events, newest first (alerts and retraining decisions)")
    .option("-s, --spec <file>", "the spec (default: mlship.yaml here, if any): locates the store")
    .option("--store <file>", "the store (default: MLSHIP_STORE, else .mlship/store.db beside the spec)")
    .option("--model <name>", "only this model's events")
    .option("--type <type>", "only this type, e.g. alert or decision")
    .option("--kind <kind>", "only this kind, e.g. dataDrift or latency")
    .option("--since <duration|date>", "only events this recent (e.g. 1d) or since a date")
    .option("--limit <n>", "at most this many", "50")
    .option("--json", "print the events as JSON on stdout")
    .action(async (opts: CommonOptions & { type?: string; kind?: string; since?: string; limit: string }) => {
      const project = specOf(opts);
      const store = await openStore(resolveStorePath({ store: opts.store, baseDir: project?.baseDir }), {
        create: false,
      });
      try {
        const since = sinceOf(opts.since);
        const events = await listEvents(store, {
          ...(opts.model === undefined ? {} : { model: opts.model }),
          ...(opts.type === undefined ? {} : { type: opts.type }),
          ...(opts.kind === undefined ? {} : { kind: opts.kind }),
          ...(since === undefined ? {} : { since }),
          limit: limitOf(opts.limit),
        });
        if (opts.json) printJson({ events });
        else printEvents(events);
      } finally {
        await store.close();
      }
    });

  common(monitor.command("profile"))
    .description("Show the reference profile stored with a version (what production is compared with)")
    .option("--json", "print the whole profile as JSON on stdout (samples base64-encoded)")
    .action(async (opts: CommonOptions) => {
      await withContext(opts, async (c) => {
        const { version, profile } = await loadVersionProfile(c.store, c.model, opts.version ?? "champion");
        if (!profile) {
          throw new MlshipError({
            what: `${c.model} v${version} has no reference profile`,
            where: `model: ${c.model} v${version}`,
            fix: "versions trained by `mlship train` have one; retrain to get it",
            code: "E_PROFILE_MISSING",
          });
        }
        if (opts.json) {
          printJson(profile);
          return;
        }
        say(
          bold(
            `${c.model} v${version}: reference profile of ${profile.data.rows} training rows (sample of ${profile.data.sample.rows}, seed ${profile.seed})`,
          ),
        );
        say(
          table(
            ["feature", "type", "missing", "summary"],
            profile.data.features.map((f) => {
              const missing = pct(f.missing / Math.max(1, f.count + f.missing));
              if (f.type === "numeric")
                return [
                  f.name,
                  "numeric",
                  missing,
                  `min ${formatNumber(f.min)}  median ${formatNumber(f.quantiles[50])}  max ${formatNumber(f.max)}  mean ${formatNumber(f.mean)}`,
                ];
              if (f.type === "categorical")
                return [
                  f.name,
                  f.source,
                  missing,
                  f.levels
                    .slice(0, 4)
                    .map((l, i) => `${l} ${pct(f.counts[i] / Math.max(1, f.count))}`)
                    .join(", ") + (f.levels.length > 4 ? ", ..." : ""),
                ];
              if (f.type === "pii") return [f.name, `${f.columnType} (PII)`, missing, "values not kept"];
              return [f.name, "datetime", missing, `${when(f.min)} to ${when(f.max)}`];
            }),
          ),
        );
        say(
          `holdout (${profile.holdout.rows} rows): ${Object.entries(profile.holdout.metrics)
            .map(([k, v]) => `${k} ${formatNumber(v)}`)
            .join(", ")}`,
        );
      });
    });
}
