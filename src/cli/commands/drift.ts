import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { MlshipError } from "../../core/errors.js";
import { readFile } from "../../data/index.js";
import {
  type DriftOptions,
  type DriftReport,
  type DriftTest,
  detectDrift,
  driftTests,
  type FeatureDrift,
  type FeatureOptions,
} from "../../monitor/index.js";
import { loadSpec } from "../../spec/index.js";
import { bold, dim, formatNumber, green, printJson, red, say, table } from "../output.js";

export interface DriftCliOptions {
  reference: string;
  current: string;
  json?: boolean;
  columns?: string;
  exclude?: string;
  test: string[];
  threshold: string[];
  driftShare?: string;
  spec?: string;
}

const list = (s: string | undefined): string[] | undefined =>
  s
    ?.split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function usage(what: string, fix: string): MlshipError {
  return new MlshipError({ what, fix, code: "E_USAGE" });
}

function parseTest(value: string): DriftTest {
  if (!Object.hasOwn(driftTests, value)) {
    throw usage(`unknown drift test "${value}"`, `use one of: ${Object.keys(driftTests).join(", ")}`);
  }
  return value as DriftTest;
}

function parseNumber(value: string, flag: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x)) {
    throw usage(`${flag} needs a number, got "${value}"`, `e.g. ${flag} 0.05 or ${flag} column=0.05`);
  }
  return x;
}

/**
 * `--test ks` / `--threshold 0.05` apply to every feature; `--test col=psi` to one. With --spec, the
 * spec's monitoring.drift settings come first and the flags override them.
 */
function driftOptions(opts: DriftCliOptions): DriftOptions {
  const options: DriftOptions = { columns: list(opts.columns), exclude: list(opts.exclude) };
  const features: Record<string, FeatureOptions> = {};
  if (opts.spec) {
    const d = loadSpec(opts.spec).monitoring.drift;
    if (d.test) options.test = d.test;
    if (d.threshold !== undefined) options.threshold = d.threshold;
    for (const [name, f] of Object.entries(d.features)) features[name] = { ...f };
    options.driftShare = d.share;
  }
  const perFeature = (raw: string): [string, string] | null => {
    const eq = raw.lastIndexOf("=");
    return eq > 0 ? [raw.slice(0, eq), raw.slice(eq + 1)] : null;
  };
  for (const raw of opts.test) {
    const pair = perFeature(raw);
    if (pair) features[pair[0]] = { ...features[pair[0]], test: parseTest(pair[1]) };
    else options.test = parseTest(raw);
  }
  for (const raw of opts.threshold) {
    const pair = perFeature(raw);
    if (pair) features[pair[0]] = { ...features[pair[0]], threshold: parseNumber(pair[1], "--threshold") };
    else options.threshold = parseNumber(raw, "--threshold");
  }
  if (Object.keys(features).length > 0) options.features = features;
  if (opts.driftShare !== undefined) options.driftShare = parseNumber(opts.driftShare, "--drift-share");
  return options;
}

function checkFile(path: string, flag: string): string {
  const full = resolve(path);
  if (!existsSync(full)) {
    throw new MlshipError({
      what: `${flag.slice(2)} file not found`,
      where: full,
      fix: `check the ${flag} path (relative paths resolve against the working directory)`,
      code: "E_DATA_MISSING_FILE",
    });
  }
  return full;
}

/** Reads both files and compares them; errors about a column name both files. */
export async function runDrift(opts: DriftCliOptions): Promise<DriftReport> {
  const options = driftOptions(opts);
  const referencePath = checkFile(opts.reference, "--reference");
  const currentPath = checkFile(opts.current, "--current");
  const reference = await readFile(referencePath);
  const current = await readFile(currentPath);
  try {
    return detectDrift(reference, current, options);
  } catch (err) {
    if (err instanceof MlshipError && err.code === "E_DRIFT_TYPE_MISMATCH") {
      throw new MlshipError({
        what: err.what,
        where: `${err.where} in ${opts.reference} and ${opts.current}`,
        fix: err.fix,
        code: err.code,
      });
    }
    throw err;
  }
}

function score(f: FeatureDrift): { statistic: string; pValue: string } {
  if (f.statistic === null) return { statistic: "-", pValue: "-" };
  return {
    statistic: formatNumber(f.statistic),
    pValue: f.pValue === undefined ? "" : formatNumber(f.pValue),
  };
}

const percent = (x: number): string => (x === 0 ? "0%" : `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`);

export function formatDrift(report: DriftReport): string {
  const rows = report.features.map((f) => {
    const s = score(f);
    const rule = driftTests[f.test].kind === "pValue" ? `p < ${f.threshold}` : `>= ${f.threshold}`;
    return [
      f.column,
      f.type,
      f.test,
      s.statistic,
      s.pValue,
      rule,
      f.statistic === null ? dim(`not tested: ${f.note}`) : f.drifted ? red("DRIFT") : "no",
      `${percent(f.referenceMissingShare)} / ${percent(f.currentMissingShare)}`,
    ];
  });
  const lines = [
    table(
      ["column", "type", "test", "statistic", "p-value", "drift when", "drifted", "missing ref / cur"],
      rows,
    ),
  ];
  if (report.skipped.length > 0) {
    lines.push("", dim(`not compared: ${report.skipped.map((s) => `${s.column} (${s.reason})`).join(", ")}`));
  }
  return lines.join("\n");
}

export function verdict(report: DriftReport): string {
  const summary =
    `${report.driftedCount} of ${report.testedCount} features drifted (${percent(report.share)}; ` +
    `dataset drift at ${percent(report.driftShare)})`;
  return report.datasetDrift ? red(bold(`DATASET DRIFT: ${summary}`)) : green(`no dataset drift: ${summary}`);
}

export function registerDrift(program: Command): void {
  program
    .command("drift")
    .description(
      "Compare two datasets feature by feature (KS / chi-square on small samples, Wasserstein / " +
        "Jensen-Shannon on large ones) and say whether the data drifted",
    )
    .requiredOption("--reference <file>", "the reference data (CSV, TSV, Parquet, JSON, NDJSON)")
    .requiredOption("--current <file>", "the data to check against it")
    .option("--json", "print the drift report as JSON on stdout")
    .option("--columns <names>", "only these columns, comma-separated (default: every shared column)")
    .option("--exclude <names>", "leave these columns out, comma-separated")
    .option(
      "--test <name>",
      `a test for every feature, or column=test for one (repeatable): ${Object.keys(driftTests).join(", ")}`,
      collect,
      [],
    )
    .option(
      "--threshold <value>",
      "a threshold for every feature, or column=value for one (repeatable); p-value tests drift below " +
        "it, distances at or above it",
      collect,
      [],
    )
    .option("--drift-share <share>", "share of drifted features that means dataset drift (default 0.5)")
    .option(
      "-s, --spec <file>",
      "take tests, thresholds and the drift share from the spec's monitoring.drift",
    )
    .action(async (opts: DriftCliOptions) => {
      const report = await runDrift(opts);
      if (opts.json) printJson(report);
      else {
        say(formatDrift(report));
        say();
      }
      say(verdict(report));
    });
}
