/**
 * Charts as static SVG: a Vega-Lite spec compiled to Vega and rendered headless with view.toSVG(), so a
 * report needs no JavaScript to show them. Data is always inline; the loader refuses every URL, so a
 * spec can never make the renderer read a file or the network.
 */
import type { Loader } from "vega";
import type { TopLevelSpec } from "vega-lite";

const noLoading = {
  load: () => Promise.reject(new Error("charts load no data: everything is inline")),
  sanitize: () => Promise.reject(new Error("charts load no data: everything is inline")),
  http: () => Promise.reject(new Error("no network")),
  file: () => Promise.reject(new Error("no files")),
};

const config = {
  font: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: "#eceff3" },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 260 },
  title: { fontSize: 13, anchor: "start" as const },
  view: { stroke: null },
};

/** The SVG text of a Vega-Lite spec. Vega is loaded on the first chart, not by every mlship command. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vl.compile({
    ...spec,
    config: { ...config, ...(spec.config ?? {}) },
  } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), {
    renderer: "none",
    loader: noLoading as unknown as Loader,
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
