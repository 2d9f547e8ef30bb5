/**
 * `mlship runs ...`: tracked runs from the terminal. Every command finds the store the way training
 * does (--store, MLSHIP_STORE, else .mlship/store.db beside the spec) and never creates one. Listing
 * first marks runs whose process died (stale heartbeat) as FAILED, so nothing stays "RUNNING" forever.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { MlshipError } from "../../core/errors.js";
import { defaultSpecFile } from "../../spec/index.js";
import { openStore, resolveStorePath, type Store } from "../../store/index.js";
import {
  deleteRun,
  getExperiment,
  getExperimentByName,
  getRun,
  markStaleRuns,
  maxMaxResults,
  type Run,
  resolveRunId,
  restoreRun,
  searchRuns,
  type ViewType,
} from "../../track/index.js";
import { bold, dim, formatNumber, green, printJson, red, say, table, yellow } from "../output.js";

export interface StoreOptions {
  store?: string;
  spec?: string;
  json?: boolean;
}

/** The store of the spec given with --spec (or of ./mlship.yaml), unless --store or MLSHIP_STORE say otherwise. */
export async function withStore<T>(opts: StoreOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const spec = resolve(opts.spec ?? defaultSpecFile);
  const baseDir = existsSync(spec) && statSync(spec).isDirectory() ? spec : dirname(spec);
  const store = await openStore(resolveStorePath({ store: opts.store, baseDir }), { create: false });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Stale runs are marked on the way; a store this process may not write to is still listed as it is. */
async function markStale(store: Store): Promise<void> {
  try {
    await markStaleRuns(store);
  } catch (err) {
    if (!(err instanceof MlshipError && (err.code === "E_STORE_READONLY" || err.code === "E_STORE_BUSY")))
      throw err;
  }
}

/** JSON has no NaN or Infinity: metric values that are not finite are written as strings. */
export function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

export function runJson(run: Run): unknown {
  return {
    ...run,
    metrics: Object.fromEntries(
      Object.entries(run.metrics).map(([k, m]) => [k, { ...m, value: jsonNumber(m.value) }]),
    ),
  };
}

export const when = (ms: number | null) =>
  ms === null ? "-" : new Date(ms).toISOString().replace("T", " ").slice(0, 19);

function duration(run: Run): string {
  const end = run.endTime ?? (run.status === "RUNNING" ? Date.now() : null);
  if (end === null) return "-";
  const s = (end - run.startTime) / 1000;
  return s < 60
    ? `${s.toFixed(1)} s`
    : s < 3600
      ? `${(s / 60).toFixed(1)} min`
      : `${(s / 3600).toFixed(1)} h`;
}

function metricText(x: number): string {
  return Number.isFinite(x) ? formatNumber(x) : String(x);
}

function statusText(status: string): string {
  return status === "FINISHED"
    ? green(status)
    : status === "FAILED" || status === "KILLED"
      ? red(status)
      : yellow(status);
}

/** The few metrics worth a column: the spec's primary metric for trainings, else the first three. */
function headline(run: Run, orderedBy: string[]): string {
  const primary = run.params.metric;
  const keys = primary ? [primary, `cv_${primary}_mean`] : Object.keys(run.metrics).slice(0, 3);
  const all = [...new Set([...orderedBy.filter((k) => k in run.metrics), ...keys])].filter(
    (k) => k in run.metrics,
  );
  return all.map((k) => `${k}=${metricText(run.metrics[k].value)}`).join("  ");
}

async function experimentIdOf(store: Store, nameOrId: string): Promise<string> {
  try {
    return (await getExperimentByName(store, nameOrId)).experimentId;
  } catch (err) {
    if (!(err instanceof MlshipError) || err.code !== "E_NOT_FOUND_EXPERIMENT" || !/^\d+$/.test(nameOrId))
      throw err;
    return (await getExperiment(store, nameOrId)).experimentId;
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new MlshipError({
      what: `--max must be a positive integer, got "${value}"`,
      fix: "e.g. --max 100",
      code: "E_USAGE",
    });
  }
  return n;
}

/** The runs under each of `roots`, each followed by its descendants (children in the order they were made). */
async function withDescendants(
  store: Store,
  roots: Run[],
  viewType: ViewType,
): Promise<Array<{ run: Run; depth: number }>> {
  const out: Array<{ run: Run; depth: number }> = [];
  const visit = async (run: Run, depth: number): Promise<void> => {
    out.push({ run, depth });
    const { runs } = await searchRuns(store, {
      parentRunId: run.runId,
      viewType,
      orderBy: ["attributes.start_time"],
      maxResults: maxMaxResults,
    });
    for (const child of runs) await visit(child, depth + 1);
  };
  for (const root of roots) await visit(root, 0);
  return out;
}

interface ListOptions extends StoreOptions {
  experiment?: string;
  filter?: string;
  orderBy?: string[];
  max: number;
  pageToken?: string;
  all?: boolean;
  deleted?: boolean;
  nested?: boolean;
}

async function listRuns(opts: ListOptions): Promise<void> {
  await withStore(opts, async (store) => {
    await markStale(store);
    const viewType: ViewType = opts.all ? "all" : opts.deleted ? "deleted" : "active";
    const page = await searchRuns(store, {
      ...(opts.experiment ? { experimentIds: [await experimentIdOf(store, opts.experiment)] } : {}),
      ...(opts.filter ? { filter: opts.filter } : {}),
      ...(opts.orderBy ? { orderBy: opts.orderBy } : {}),
      ...(opts.pageToken ? { pageToken: opts.pageToken } : {}),
      // --nested without a filter or order shows trees: a page of top-level runs, each with its descendants.
      ...(opts.nested && (opts.filter || opts.orderBy) ? {} : { parentRunId: null }),
      maxResults: opts.max,
      viewType,
    });
    const rows =
      opts.nested && !opts.filter && !opts.orderBy
        ? await withDescendants(store, page.runs, viewType)
        : page.runs.map((run) => ({ run, depth: 0 }));
    if (opts.json) {
      printJson({
        runs: rows.map((r) => runJson(r.run)),
        ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      });
      return;
    }
    if (page.runs.length === 0) {
      say(opts.filter || opts.experiment ? "no runs match" : "no runs yet (mlship train records one)");
      return;
    }
    const orderedMetrics = (opts.orderBy ?? [])
      .map((c) => /^metrics?\.(\S+)/i.exec(c.trim())?.[1] ?? "")
      .filter(Boolean);
    say(
      table(
        ["run", "name", "status", "started", "took", "metrics"],
        rows.map(({ run: r, depth }) => [
          r.runId.slice(0, 12),
          `${"  ".repeat(depth)}${r.name}${r.lifecycleStage === "deleted" ? " (deleted)" : ""}`,
          r.status,
          when(r.startTime),
          duration(r),
          headline(r, orderedMetrics),
        ]),
      ),
    );
    if (page.nextPageToken) say(dim(`more: --page-token ${page.nextPageToken}`));
  });
}

async function showRun(id: string, opts: StoreOptions): Promise<void> {
  await withStore(opts, async (store) => {
    await markStale(store);
    const run = await getRun(store, await resolveRunId(store, id));
    const children = await searchRuns(store, {
      parentRunId: run.runId,
      viewType: "all",
      orderBy: ["attributes.start_time"],
    });
    const experiment = await getExperiment(store, run.experimentId);
    if (opts.json) {
      printJson({
        ...(runJson(run) as object),
        experimentName: experiment.name,
        children: children.runs.map((c) => ({ runId: c.runId, name: c.name, status: c.status })),
      });
      return;
    }
    say(bold(`${run.name}  ${run.runId}`));
    say(`  experiment  ${experiment.name} (${experiment.experimentId})`);
    say(
      `  status      ${statusText(run.status)}${run.lifecycleStage === "deleted" ? red(" (deleted)") : ""}`,
    );
    say(`  started     ${when(run.startTime)}   ended ${when(run.endTime)}   took ${duration(run)}`);
    if (run.parentRunId) say(`  parent      ${run.parentRunId}`);
    say(`  user        ${run.user}`);
    const src = run.source;
    if (src.command) say(`  command     ${src.command}`);
    if (src.gitCommit)
      say(`  git         ${src.gitCommit}${src.gitDirty ? yellow(" (uncommitted changes)") : ""}`);
    say(
      dim(
        `  mlship ${src.mlshipVersion}, Node ${src.nodeVersion}${src.host ? `, on ${src.host}` : ""}${src.seed === null ? "" : `, seed ${src.seed}`}`,
      ),
    );
    const section = (title: string, rows: string[][]) => {
      if (rows.length === 0) return;
      say();
      say(bold(title));
      say(
        table(["key", "value"], rows)
          .split("\n")
          .slice(1)
          .map((l) => `  ${l}`)
          .join("\n"),
      );
    };
    section(
      "params",
      Object.entries(run.params).map(([k, v]) => [k, v]),
    );
    section(
      "metrics",
      Object.values(run.metrics).map((m) => [
        m.key,
        `${metricText(m.value)}${m.step ? dim(`  (step ${m.step})`) : ""}`,
      ]),
    );
    section(
      "tags",
      Object.entries(run.tags).map(([key, v]) => [key, v]),
    );
    section(
      "inputs",
      run.inputs.map((i) => [
        i.name,
        `${i.digest.slice(0, 16)}…  ${i.context}  ${i.rows ?? "?"} x ${i.columns ?? "?"}`,
      ]),
    );
    section(
      "artifacts",
      run.artifacts.map((a) => [
        a.path,
        `${(a.bytes / 1024).toFixed(1)} KB  sha256 ${a.sha256.slice(0, 12)}…  ${a.mediaType}`,
      ]),
    );
    section(
      "children",
      children.runs.map((c) => [c.runId.slice(0, 12), `${c.name}  ${c.status}`]),
    );
  });
}

/** Params and metrics of several runs side by side; `differs` marks keys whose values are not all equal. */
export function compareRuns(runs: Run[]) {
  const rows = <T>(
    keys: string[],
    value: (r: Run, key: string) => T | null,
    same: (a: T | null, b: T | null) => boolean,
  ) =>
    keys.map((key) => {
      const values = runs.map((r) => value(r, key));
      return { key, values, differs: values.some((v) => !same(v, values[0])) };
    });
  const keysOf = (pick: (r: Run) => object) => [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort();
  return {
    runs: runs.map((r) => ({ runId: r.runId, name: r.name, status: r.status })),
    params: rows(
      keysOf((r) => r.params),
      (r, key) => r.params[key] ?? null,
      (a, b) => a === b,
    ),
    metrics: rows(
      keysOf((r) => r.metrics),
      (r, key) => r.metrics[key]?.value ?? null,
      (a, b) => (a === null || b === null ? a === b : Object.is(a, b) || a === b),
    ),
  };
}

async function compare(ids: string[], opts: StoreOptions): Promise<void> {
  if (ids.length < 2) {
    throw new MlshipError({
      what: "compare needs at least two runs",
      fix: "mlship runs compare RUN RUN [RUN...]",
      code: "E_USAGE",
    });
  }
  await withStore(opts, async (store) => {
    const runs: Run[] = [];
    for (const id of ids) runs.push(await getRun(store, await resolveRunId(store, id)));
    const c = compareRuns(runs);
    if (opts.json) {
      printJson({
        ...c,
        metrics: c.metrics.map((m) => ({
          ...m,
          values: m.values.map((v) => (v === null ? null : jsonNumber(v))),
        })),
      });
      return;
    }
    // Colour goes on whole lines after layout: escape codes inside cells would break the column widths.
    const header = ["", "key", ...runs.map((r) => `${r.name} ${r.runId.slice(0, 8)}`)];
    const section = (title: string, rows: Array<{ key: string; differs: boolean; cells: string[] }>) => {
      if (rows.length === 0) return;
      say();
      say(bold(title));
      const lines = table(
        header,
        rows.map((r) => [r.differs ? "*" : "", r.key, ...r.cells]),
      ).split("\n");
      say(lines.map((l, i) => (i > 0 && rows[i - 1].differs ? yellow(l) : l)).join("\n"));
    };
    section(
      "params",
      c.params.map((p) => ({ key: p.key, differs: p.differs, cells: p.values.map((v) => v ?? "-") })),
    );
    section(
      "metrics",
      c.metrics.map((m) => ({
        key: m.key,
        differs: m.differs,
        cells: m.values.map((v) => (v === null ? "-" : metricText(v))),
      })),
    );
    const differing = c.params.filter((p) => p.differs).length + c.metrics.filter((m) => m.differs).length;
    say();
    say(dim(`${differing} of ${c.params.length + c.metrics.length} keys differ (marked *)`));
  });
}

async function setDeleted(id: string, opts: StoreOptions, deleted: boolean): Promise<void> {
  await withStore(opts, async (store) => {
    const runId = await resolveRunId(store, id);
    if (deleted) await deleteRun(store, runId);
    else await restoreRun(store, runId);
    const run = await getRun(store, runId);
    if (opts.json) printJson({ runId, name: run.name, lifecycleStage: run.lifecycleStage });
    else
      say(
        `${deleted ? "deleted" : "restored"} run ${runId} (${run.name}) with its child runs${deleted ? dim(`; undo with: mlship runs restore ${runId}`) : ""}`,
      );
  });
}

function storeOptions(c: Command): Command {
  return c
    .option("--store <file>", "the store (default: MLSHIP_STORE, else .mlship/store.db beside the spec)")
    .option("-s, --spec <file>", "the spec whose store to use (default: mlship.yaml here)")
    .option("--json", "print JSON on stdout");
}

export function registerRuns(program: Command): void {
  const runs = program.command("runs").description("Tracked runs: list, show, compare, delete, restore");
  storeOptions(
    runs
      .command("list")
      .description("List runs, newest first (trainings only; --nested adds candidates and CV folds)")
      .option("-e, --experiment <name>", "only this experiment (name or id)")
      .option("-f, --filter <expr>", `MLflow filter, e.g. "metrics.roc_auc > 0.8 and params.best = 'rf'"`)
      .option("-o, --order-by <clause>", 'e.g. "metrics.roc_auc DESC"; repeat for ties', collect)
      .option("-n, --max <n>", "runs per page", positiveInt, 50)
      .option("--page-token <token>", "the next page, as printed by the previous page")
      .option("--nested", "include child runs (candidates and CV folds)")
      .option("--all", "include deleted runs")
      .option("--deleted", "only deleted runs"),
  ).action((opts: ListOptions) => listRuns(opts));
  storeOptions(
    runs
      .command("show")
      .argument("<run>", "run id (or its first 6+ characters)")
      .description("Everything recorded about a run"),
  ).action((id: string, opts: StoreOptions) => showRun(id, opts));
  storeOptions(
    runs
      .command("compare")
      .argument("<runs...>", "two or more run ids")
      .description("Params and metrics of runs side by side, differences marked"),
  ).action((ids: string[], opts: StoreOptions) => compare(ids, opts));
  storeOptions(
    runs
      .command("delete")
      .argument("<run>", "run id")
      .description("Delete a run and its child runs (restorable)"),
  ).action((id: string, opts: StoreOptions) => setDeleted(id, opts, true));
  storeOptions(
    runs
      .command("restore")
      .argument("<run>", "run id")
      .description("Restore a deleted run and its child runs"),
  ).action((id: string, opts: StoreOptions) => setDeleted(id, opts, false));
}
