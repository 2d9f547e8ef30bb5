/**
 * The monitoring report as one self-contained HTML page: inline CSS, charts as inline SVG (charts.ts),
 * no script and nothing fetched, so it opens from a file, an email attachment or an artifact store the
 * same way. The report's data rides along as JSON in a <script type="application/json"> block.
 */
import type { TopLevelSpec } from "vega-lite";
import { mlshipVersion } from "../core/version.js";
import { renderSvg } from "./charts.js";
import { driftTests } from "./drift.js";
import type { FeatureDistribution, MonitorReport } from "./report.js";

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const fmt = (x: number | null | undefined, digits = 4): string =>
  x === null || x === undefined || Number.isNaN(x) ? "–" : String(Number(x.toPrecision(digits)));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const time = (t: number | null) =>
  t === null ? "–" : new Date(t).toISOString().replace("T", " ").slice(0, 19);

const blue = "#4c78a8";
const orange = "#f58518";
const red = "#d62728";
const green = "#2ca02c";
const grey = "#9aa5b1";

/** 1 at the threshold, above it when drifted, for p-values and distances alike. */
function driftScore(d: NonNullable<FeatureDistribution["drift"]>): number | null {
  if (d.statistic === null) return null;
  if (driftTests[d.test].kind === "pValue") {
    const p = Math.max(d.pValue ?? 1, 1e-300);
    return Math.min(Math.log(p) / Math.log(d.threshold), 10);
  }
  const distance = d.distance ?? 0;
  return d.threshold === 0 ? (distance > 0 ? 10 : 0) : Math.min(distance / d.threshold, 10);
}

function driftScoresChart(r: MonitorReport): TopLevelSpec | null {
  const values = r.features
    .filter((f) => f.drift && f.drift.statistic !== null)
    .map((f) => ({
      feature: f.name,
      score: driftScore(f.drift as NonNullable<FeatureDistribution["drift"]>),
      test: f.drift?.test,
      drifted: f.drift?.drifted ? "drifted" : "stable",
    }));
  if (values.length === 0) return null;
  return {
    title: "Drift score per feature (1 = the feature's threshold)",
    width: 640,
    height: Math.max(120, values.length * 18),
    data: { values },
    layer: [
      {
        mark: { type: "bar", tooltip: true },
        encoding: {
          y: { field: "feature", type: "nominal", sort: "-x", title: null },
          x: { field: "score", type: "quantitative", title: "drift score" },
          color: {
            field: "drifted",
            type: "nominal",
            scale: { domain: ["stable", "drifted"], range: [blue, red] },
            title: null,
          },
        },
      },
      { mark: { type: "rule", color: "#333", strokeDash: [4, 3] }, encoding: { x: { datum: 1 } } },
    ],
  } as TopLevelSpec;
}

const shortTest: Record<string, string> = {
  ks: "KS p",
  chisquare: "χ² p",
  wasserstein: "W",
  jensenshannon: "JS",
  psi: "PSI",
  kl: "KL",
};

function distributionChart(title: string, dists: readonly FeatureDistribution[]): TopLevelSpec | null {
  const values: Array<Record<string, unknown>> = [];
  // Drifted features first, then by how close they come to their threshold.
  const score = (f: FeatureDistribution) => (f.drift ? (driftScore(f.drift) ?? -1) : -1);
  const ranked = [...dists].sort((a, b) => score(b) - score(a));
  for (const [rank, f] of ranked.entries()) {
    const d = f.drift;
    const head = d
      ? `${f.name} · ${d.statistic === null ? "not tested" : `${d.drifted ? "DRIFT" : "stable"} · ${shortTest[d.test]} ${fmt(d.pValue ?? d.statistic, 2)}`}`
      : f.name;
    f.bins.forEach((b, order) => {
      values.push({ panel: head, rank, bin: b.label, order, side: "reference", share: b.reference });
      values.push({ panel: head, rank, bin: b.label, order, side: "current", share: b.current });
    });
  }
  if (values.length === 0) return null;
  return {
    title,
    data: { values },
    facet: {
      field: "panel",
      type: "nominal",
      title: null,
      sort: { field: "rank", op: "min" },
      // Headless rendering estimates text at 0.8 em per character, so limits are set wider than they look.
      header: { labelFontSize: 11, labelLimit: 480 },
    },
    columns: 3,
    resolve: { scale: { x: "independent", xOffset: "independent", y: "independent" } },
    spec: {
      width: 250,
      height: 120,
      mark: { type: "bar", tooltip: true },
      encoding: {
        x: {
          field: "bin",
          type: "ordinal",
          sort: { field: "order" },
          title: null,
          axis: { labelAngle: -45, labelLimit: 110, labelFontSize: 8 },
        },
        xOffset: { field: "side", sort: ["reference", "current"] },
        y: { field: "share", type: "quantitative", title: "share", axis: { format: "%" } },
        color: {
          field: "side",
          type: "nominal",
          sort: ["reference", "current"],
          scale: { range: [grey, orange] },
          title: null,
        },
      },
    },
  } as TopLevelSpec;
}

/** The history's x axis: time for the log's windows, the row where a dataset's window ends otherwise. */
const xOf = (r: MonitorReport, title = false) =>
  r.axis === "time"
    ? { field: "at", type: "temporal", title: null }
    : { field: "at", type: "quantitative", title: title ? "row of the data" : null };

function historyChart(r: MonitorReport): TopLevelSpec | null {
  const values = r.history
    .filter((h) => h.window.to !== null && h.window.rows > 0)
    .map((h) => ({
      at: h.window.to,
      share: h.share,
      verdict: h.datasetDrift ? "dataset drift" : h.judged ? "no dataset drift" : "too few rows",
      predictions: h.predictionDrift ? "predictions drifted" : "predictions stable",
      rows: h.window.rows,
    }));
  if (values.length === 0) return null;
  return {
    title: `Share of drifted features per window (dataset drift at ${pct(r.state.monitoring.drift.share)})`,
    width: 640,
    height: 160,
    data: { values },
    layer: [
      {
        mark: { type: "line", color: blue },
        encoding: {
          x: xOf(r, true),
          y: {
            field: "share",
            type: "quantitative",
            title: "drifted share",
            scale: { domain: [0, 1] },
            axis: { format: "%" },
          },
        },
      },
      {
        mark: { type: "point", filled: true, size: 70, tooltip: true },
        encoding: {
          x: xOf(r),
          y: { field: "share", type: "quantitative" },
          color: {
            field: "verdict",
            type: "nominal",
            scale: {
              domain: ["no dataset drift", "dataset drift", "too few rows"],
              range: [blue, red, grey],
            },
            title: null,
          },
          shape: { field: "predictions", type: "nominal", title: null },
        },
      },
      {
        mark: { type: "rule", color: "#333", strokeDash: [4, 3] },
        encoding: { y: { datum: r.state.monitoring.drift.share } },
      },
    ],
  } as TopLevelSpec;
}

function trafficChart(r: MonitorReport): TopLevelSpec | null {
  const values: Array<Record<string, unknown>> = [];
  for (const t of r.traffic) {
    const ok = t.requests - t.clientErrors - t.serverErrors;
    values.push({ at: t.at, kind: "answered", requests: ok });
    values.push({ at: t.at, kind: "client errors (4xx)", requests: t.clientErrors });
    values.push({ at: t.at, kind: "server errors (5xx)", requests: t.serverErrors });
  }
  if (values.every((v) => v.requests === 0)) return null;
  const width = r.traffic[0]?.minutes ?? 1;
  return {
    title: `Requests per ${width === 1 ? "minute" : `${width} minutes`}`,
    width: 640,
    height: 150,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "at", type: "temporal", title: null },
      y: { field: "requests", type: "quantitative", stack: true, title: "requests" },
      color: {
        field: "kind",
        type: "nominal",
        scale: {
          domain: ["answered", "client errors (4xx)", "server errors (5xx)"],
          range: [blue, orange, red],
        },
        title: null,
      },
    },
  } as TopLevelSpec;
}

function latencyChart(r: MonitorReport): TopLevelSpec | null {
  const values: Array<Record<string, unknown>> = [];
  for (const t of r.traffic) {
    for (const [p, v] of [
      ["p50", t.p50Ms],
      ["p95", t.p95Ms],
      ["p99", t.p99Ms],
    ] as const) {
      if (v !== null) values.push({ at: t.at, percentile: p, ms: v });
    }
  }
  if (values.length === 0) return null;
  return {
    title: "Latency (ms, from the server's per-minute histograms)",
    width: 640,
    height: 150,
    data: { values },
    mark: { type: "line", point: true, tooltip: true },
    encoding: {
      x: { field: "at", type: "temporal", title: null },
      y: { field: "ms", type: "quantitative", title: "ms" },
      color: { field: "percentile", type: "nominal", scale: { range: [green, orange, red] }, title: null },
    },
  } as TopLevelSpec;
}

function performanceChart(r: MonitorReport): TopLevelSpec | null {
  const metric = r.primaryMetric;
  if (!metric) return null;
  const values = r.performance
    .map((p) => ({ p, m: p.metrics.find((x) => x.metric === metric) }))
    .filter((x) => x.m && x.p.window.to !== null && Number.isFinite(x.m.value))
    .map(({ p, m }) => ({
      at: p.window.to,
      value: m?.value,
      lower: m?.lower,
      upper: m?.upper,
      labelled: p.window.rows,
      verdict: p.conceptDrift ? "significant drop" : "no significant drop",
    }));
  if (values.length === 0) return null;
  const holdout = r.holdout?.[metric];
  const confidence = pct(r.state.monitoring.performance.confidence);
  return {
    title: `${metric} on labelled predictions, with ${confidence} intervals (dashed: holdout)`,
    width: 640,
    height: 170,
    data: { values },
    layer: [
      {
        mark: { type: "errorband", color: blue, opacity: 0.25 },
        encoding: {
          x: xOf(r, true),
          y: { field: "lower", type: "quantitative", title: metric, scale: { zero: false } },
          y2: { field: "upper" },
        },
      },
      {
        mark: { type: "line", color: blue },
        encoding: { x: xOf(r), y: { field: "value", type: "quantitative" } },
      },
      {
        mark: { type: "point", filled: true, size: 60, tooltip: true },
        encoding: {
          x: xOf(r),
          y: { field: "value", type: "quantitative" },
          color: {
            field: "verdict",
            type: "nominal",
            scale: { domain: ["no significant drop", "significant drop"], range: [blue, red] },
            title: null,
          },
        },
      },
      ...(holdout === undefined
        ? []
        : [
            {
              mark: { type: "rule", color: "#333", strokeDash: [4, 3] },
              encoding: { y: { datum: holdout } },
            },
          ]),
    ],
  } as TopLevelSpec;
}

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function card(title: string, value: string, tone: "ok" | "bad" | "neutral", note: string): string {
  return `<div class="card ${tone}"><div class="card-title">${escapeHtml(title)}</div><div class="card-value">${escapeHtml(value)}</div><div class="card-note">${escapeHtml(note)}</div></div>`;
}

/** The report's charts (name -> SVG text); charts without data are left out. */
export async function reportCharts(r: MonitorReport): Promise<Record<string, string>> {
  const specs: Record<string, TopLevelSpec | null> = {
    "drift-scores": driftScoresChart(r),
    "feature-distributions": distributionChart(
      "Reference (training data) and current window, per feature",
      r.features,
    ),
    "prediction-distributions": distributionChart("Predictions: holdout and current window", r.predictions),
    "drift-history": historyChart(r),
    performance: performanceChart(r),
    traffic: trafficChart(r),
    latency: latencyChart(r),
  };
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) if (spec) out[name] = await renderSvg(spec);
  return out;
}

const css = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;margin:0;background:#f7f8fa}
main{max-width:1120px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.sub{color:#52606d;margin:0 0 16px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 14px;border-left:5px solid #9aa5b1;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.card.ok{border-color:#2ca02c}.card.bad{border-color:#d62728}
.card-title{font-size:12px;color:#52606d;text-transform:uppercase;letter-spacing:.04em}
.card-value{font-size:20px;font-weight:600;margin:2px 0}.card-note{font-size:12px;color:#52606d}
figure{background:#fff;border-radius:8px;padding:12px;margin:12px 0;box-shadow:0 1px 2px rgba(0,0,0,.06);overflow-x:auto}
figure svg{max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
th,td{padding:6px 9px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}.drift{color:#d62728;font-weight:600}.muted{color:#7b8794}
footer{color:#7b8794;font-size:12px;margin-top:28px}
`;

/** The whole page. */
export async function renderReportHtml(r: MonitorReport): Promise<string> {
  const s = r.state;
  const charts = await reportCharts(r);
  const figure = (name: string) =>
    charts[name] ? `<figure data-chart="${name}">${charts[name]}</figure>` : "";
  const windowText =
    s.window.kind === "rows"
      ? `the latest ${s.window.size} predictions (${s.window.rows} found)`
      : `the last ${fmt(s.window.size / 60_000, 6)} minutes (${s.window.rows} predictions)`;
  const drift = s.drift;
  const perf = s.performance;
  const primary = perf?.metrics.find((x) => x.metric === perf.primary);
  const cards = [
    drift
      ? card(
          "Data drift",
          drift.judged ? (drift.datasetDrift ? "Dataset drift" : "No dataset drift") : "Not judged",
          drift.datasetDrift ? "bad" : drift.judged ? "ok" : "neutral",
          drift.judged
            ? `${drift.driftedCount} of ${drift.testedCount} features drifted (${pct(drift.share)})`
            : (drift.note ?? ""),
        )
      : card("Data drift", "No profile", "neutral", "the version has no reference profile"),
    s.predictionDrift
      ? card(
          "Prediction drift",
          s.predictionDrift.judged ? (s.predictionDrift.drifted ? "Drifted" : "Stable") : "Not judged",
          s.predictionDrift.drifted ? "bad" : s.predictionDrift.judged ? "ok" : "neutral",
          s.predictionDrift.features.map((f) => `${f.column}: ${f.test} ${fmt(f.statistic, 3)}`).join("; "),
        )
      : "",
    perf && primary
      ? card(
          `${primary.metric} (labelled)`,
          fmt(primary.value, 3),
          perf.conceptDrift ? "bad" : perf.note ? "neutral" : "ok",
          `[${fmt(primary.lower, 3)}, ${fmt(primary.upper, 3)}] vs holdout ${fmt(primary.holdout, 3)}; ${perf.rows} labels${perf.conceptDrift ? "; significant drop" : ""}`,
        )
      : card("Performance", "No labels", "neutral", perf?.note ?? "no labelled predictions in the window"),
    card(
      "Errors",
      pct(s.traffic.errorRate),
      s.findings.some((f) => f.kind === "errorRate" && f.firing) ? "bad" : "ok",
      `${s.traffic.serverErrors} server, ${s.traffic.clientErrors} client errors of ${s.traffic.requests} requests`,
    ),
    card(
      "Latency p95",
      s.traffic.p95Ms === null ? "–" : `${fmt(s.traffic.p95Ms, 3)} ms`,
      "neutral",
      `p50 ${fmt(s.traffic.p50Ms, 3)} ms, p99 ${fmt(s.traffic.p99Ms, 3)} ms`,
    ),
  ].join("\n");
  const findings = table(
    ["rule", "kind", "severity", "state", "measured"],
    s.findings.map((f) => [
      escapeHtml(f.rule),
      escapeHtml(f.kind),
      escapeHtml(f.severity),
      f.firing
        ? '<span class="drift">FIRING</span>'
        : f.judged
          ? "ok"
          : '<span class="muted">not judged</span>',
      escapeHtml(f.message),
    ]),
  );
  const featureRows = (drift?.features ?? []).map((f) => [
    escapeHtml(f.column),
    f.type,
    escapeHtml(`${f.test} (${driftTests[f.test].title})`),
    fmt(f.statistic),
    f.pValue === undefined ? "" : fmt(f.pValue),
    `${driftTests[f.test].kind === "pValue" ? "p &lt;" : "&ge;"} ${fmt(f.threshold)}`,
    f.statistic === null
      ? `<span class="muted">${escapeHtml(f.note ?? "not tested")}</span>`
      : f.drifted
        ? '<span class="drift">DRIFT</span>'
        : "no",
    `${pct(f.referenceMissingShare)} / ${pct(f.currentMissingShare)}`,
  ]);
  for (const sk of drift?.skipped ?? [])
    featureRows.push([
      escapeHtml(sk.column),
      "",
      "",
      "",
      "",
      "",
      `<span class="muted">${escapeHtml(sk.reason)}</span>`,
      "",
    ]);
  const perfTable = perf?.metrics.length
    ? table(
        [
          "metric",
          "value",
          `${pct(s.monitoring.performance.confidence)} interval`,
          "method",
          "holdout",
          "drop",
          "p (one-sided)",
          "significant",
        ],
        perf.metrics.map((m) => [
          escapeHtml(m.metric),
          fmt(m.value),
          `[${fmt(m.lower)}, ${fmt(m.upper)}]`,
          m.method,
          fmt(m.holdout),
          fmt(m.drop),
          fmt(m.pValue),
          m.significant ? '<span class="drift">yes</span>' : "no",
        ]),
      )
    : `<p class="muted">${escapeHtml(perf?.note ?? "No labelled predictions yet: send labels to POST /v1/models/{name}/feedback.")}</p>`;
  const events = r.events.length
    ? table(
        ["time (UTC)", "version", "rule", "status", "severity", "message", "webhook"],
        r.events.map((e) => [
          time(e.at),
          e.version === null ? "" : `v${e.version}`,
          escapeHtml(e.name),
          escapeHtml(e.status),
          escapeHtml(e.severity),
          escapeHtml(e.message),
          escapeHtml(e.delivery === "none" ? "" : `${e.delivery}${e.attempts ? ` (${e.attempts})` : ""}`),
        ]),
      )
    : '<p class="muted">No events yet.</p>';
  const data = JSON.stringify(r).replaceAll("<", "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${r.model} v${r.version}: monitoring report`)}</title>
<style>${css}</style>
</head>
<body>
<main>
<h1>${escapeHtml(r.model)} v${r.version}: monitoring report</h1>
<p class="sub">Generated ${time(r.generatedAt)} UTC over ${escapeHtml(windowText)}, ${time(s.window.from)} to ${time(s.window.to)} UTC${s.profile ? `; reference: ${s.profile.trainingRows} training rows (sample of ${s.profile.sampleRows})` : ""}.</p>
<section class="cards">${cards}</section>
<h2>Alert rules</h2>
${findings}
<h2>Data drift</h2>
${figure("drift-scores")}
${featureRows.length ? table(["feature", "type", "test", "statistic", "p-value", "drift when", "verdict", "missing ref / cur"], featureRows) : '<p class="muted">No features compared.</p>'}
${figure("feature-distributions")}
<h2>Predictions</h2>
${figure("prediction-distributions")}
<h2>Over time</h2>
${figure("drift-history")}
${figure("performance")}
<h2>Performance on labelled predictions</h2>
${perfTable}
<h2>Traffic and latency</h2>
${figure("traffic")}
${figure("latency")}
<h2>Events</h2>
${events}
<footer>Drift: KS and chi-square on references of at most 1,000 values, normed Wasserstein and Jensen-Shannon above (Evidently's defaults), unless the spec says otherwise; the dataset drifts when the share of drifted features reaches monitoring.drift.share. Performance intervals: Wilson for accuracy, DeLong for ROC AUC, a seeded percentile bootstrap otherwise; the drop is tested one-sided against the holdout (pooled two-proportion z-test, DeLong z-test, two-sample bootstrap). PII features are not compared: the log keeps only their keyed hashes. Written by mlship ${escapeHtml(mlshipVersion)}.</footer>
</main>
<script type="application/json" id="mlship-report">${data}</script>
</body>
</html>
`;
}
