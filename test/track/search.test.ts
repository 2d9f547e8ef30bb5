import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.js";
import {
  createExperiment,
  createRun,
  logBatch,
  logInputs,
  type Run,
  searchExperiments,
  searchRuns,
  setExperimentTag,
  updateRun,
} from "../../src/track/index.js";
import { cleanUp, errorOf, freshStore } from "./helpers.js";

afterEach(cleanUp);

const nasty = "'; drop table runs; --";
let store: Store;
let experimentId: string;

async function run(name: string, batch: Parameters<typeof logBatch>[2], startTime: number): Promise<string> {
  const r = await createRun(store, { experimentId, name, startTime });
  await logBatch(store, r.runId, batch);
  return r.runId;
}

const names = (runs: Run[]) => runs.map((r) => r.name);
const find = async (filter: string, orderBy: string[] = []) =>
  names((await searchRuns(store, { experimentIds: [experimentId], filter, orderBy })).runs);

beforeEach(async () => {
  store = await freshStore();
  experimentId = (await createExperiment(store, "search")).experimentId;
  await run(
    "rf-cv",
    {
      params: { model: "randomForest", depth: 5 },
      metrics: [{ key: "auc", value: 0.9 }],
      tags: { note: nasty },
    },
    1,
  );
  await run(
    "lr",
    {
      params: { model: "logistic" },
      metrics: [
        { key: "auc", value: 0.8 },
        { key: "my metric", value: 3 },
      ],
    },
    2,
  );
  await run(
    "Rf-big",
    {
      params: { model: "RandomForest" },
      metrics: [{ key: "auc", value: 0.85 }],
      tags: { "we`ird": 'ü "q"' },
    },
    3,
  );
  const nanRun = await run(
    "nan",
    { params: { model: "dummy" }, metrics: [{ key: "auc", value: Number.NaN }] },
    4,
  );
  await updateRun(store, nanRun, { status: "FAILED" });
  const plain = await run("plain", {}, 5);
  await logInputs(store, plain, [
    { name: "d", digest: "f00d", context: "training", rows: 1, columns: 1, schema: null, source: null },
  ]);
});

describe("searchRuns filters", () => {
  it("compares metrics, params, tags and attributes, with AND, OR and parentheses", async () => {
    expect(await find("metrics.auc > 0.8")).toEqual(["Rf-big", "rf-cv"]);
    expect(await find('metrics.auc >= 0.8 and params.model = "logistic"')).toEqual(["lr"]);
    expect(await find("metrics.auc != 0.9")).toEqual(["Rf-big", "lr"]);
    expect(await find("params.model != 'logistic'")).toEqual(["nan", "Rf-big", "rf-cv"]);
    expect(await find("params.depth = 5")).toEqual(["rf-cv"]);
    expect(await find("params.model IN ('logistic', 'dummy')")).toEqual(["nan", "lr"]);
    expect(await find("params.model NOT IN ('logistic', 'dummy')")).toEqual(["Rf-big", "rf-cv"]);
    expect(await find("attributes.status = 'FAILED'")).toEqual(["nan"]);
    expect(await find("status != 'RUNNING' OR (metrics.auc < 0.81 AND run_name = 'lr')")).toEqual([
      "nan",
      "lr",
    ]);
    expect(await find("attributes.start_time >= 4")).toEqual(["plain", "nan"]);
    expect(await find("datasets.digest = 'f00d'")).toEqual(["plain"]);
  });

  it("LIKE is case-sensitive and ILIKE is not, as in MLflow; wildcards only where written", async () => {
    expect(await find("params.model LIKE '%Forest'")).toEqual(["Rf-big", "rf-cv"]);
    expect(await find("params.model LIKE 'random%'")).toEqual(["rf-cv"]);
    expect(await find("params.model ILIKE 'random%'")).toEqual(["Rf-big", "rf-cv"]);
    expect(await find("run_name LIKE '%-%'")).toEqual(["Rf-big", "rf-cv"]);
    expect(await find("run_name LIKE 'r_-cv'")).toEqual(["rf-cv"]);
    expect(await find("run_name LIKE '*'")).toEqual([]);
    expect(await find("params.model NOT LIKE '%o%'")).toEqual(["nan"]);
  });

  it("NaN is stored but matches no comparison; IS NULL means the run never logged the key", async () => {
    expect(await find("metrics.auc < 100")).toEqual(["Rf-big", "lr", "rf-cv"]);
    expect(await find("metrics.auc IS NOT NULL")).toEqual(["nan", "Rf-big", "lr", "rf-cv"]);
    expect(await find("metrics.auc IS NULL")).toEqual(["plain"]);
    expect(await find("tags.note IS NULL and params.model IS NOT NULL")).toEqual(["nan", "Rf-big", "lr"]);
  });

  it("finds SQL metacharacters, quotes, backticks and unicode exactly and runs none of them", async () => {
    expect(await find(`tags.note = '${nasty.replace(/'/g, "''")}'`)).toEqual(["rf-cv"]);
    expect(await find("tags.`we``ird` = 'ü \"q\"'")).toEqual(["Rf-big"]);
    expect(await find('metrics."my metric" = 3')).toEqual(["lr"]);
    expect(await find("metrics.`my metric` = 3")).toEqual(["lr"]);
    expect(await find("params.model = 'x'' or ''1''=''1'")).toEqual([]);
    const raw = new Database(store.path, { readonly: true });
    expect(raw.prepare("select count(*) as n from runs").get()).toEqual({ n: 5 });
    raw.close();
  });
});

describe("searchRuns order and pages", () => {
  it("orders by metrics (missing and NaN last), params and attributes; start time breaks ties", async () => {
    expect(await find("", ["metrics.auc DESC"])).toEqual(["rf-cv", "Rf-big", "lr", "plain", "nan"]);
    expect(await find("", ["metrics.auc"])).toEqual(["lr", "Rf-big", "rf-cv", "plain", "nan"]);
    expect(await find("", ["params.model ASC"])).toEqual(["Rf-big", "nan", "lr", "rf-cv", "plain"]);
    expect(await find("", ["attributes.start_time"])).toEqual(["rf-cv", "lr", "Rf-big", "nan", "plain"]);
    expect(await find("")).toEqual(["plain", "nan", "Rf-big", "lr", "rf-cv"]);
  });

  it("pages with opaque tokens that only work for the search that made them", async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await searchRuns(store, {
        orderBy: ["metrics.auc DESC"],
        maxResults: 2,
        ...(pageToken ? { pageToken } : {}),
      });
      seen.push(...names(page.runs));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(["rf-cv", "Rf-big", "lr", "plain", "nan"]);
    const first = await searchRuns(store, { maxResults: 2 });
    expect(first.nextPageToken).toBeDefined();
    const reused = await errorOf(
      searchRuns(store, { maxResults: 2, filter: "metrics.auc > 0", pageToken: first.nextPageToken! }),
    );
    expect(reused.code).toBe("E_INVALID_PAGE_TOKEN");
    expect((await errorOf(searchRuns(store, { pageToken: "garbage" }))).code).toBe("E_INVALID_PAGE_TOKEN");
    expect((await errorOf(searchRuns(store, { maxResults: 0 }))).code).toBe("E_INVALID_MAX_RESULTS");
    expect((await errorOf(searchRuns(store, { orderBy: ["metrics.auc sideways"] }))).code).toBe(
      "E_INVALID_ORDER_BY",
    );
    expect((await errorOf(searchRuns(store, { orderBy: ["atributes.start_time"] }))).fix).toContain(
      "attributes.start_time",
    );
  });
});

describe("bad filters", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["metrcs.auc > 0.5", 0, /did you mean metrics\.auc\?/],
    ["attributes.stauts = 'FINISHED'", 11, /did you mean attributes\.status\?/],
    ["status = 'FINISHD'", 9, /did you mean 'FINISHED'\?/],
    ["metrics.auc > '0.5'", 14, /drop the quotes: 0\.5/],
    ["params.model = rf", 15, /put text values in quotes: 'rf'/],
    ["metrics.auc > 0.5 adn params.a = 'x'", 18, /did you mean AND\?/],
    ["metrics.auc >> 0.5", 13, /a number/],
    ["params.model LIEK 'x'", 13, /did you mean LIKE\?/],
    ["params.model = 'unclosed", 15, /end it with '/],
    ["(metrics.auc > 1", 16, /add the missing \)/],
    ["params.a > 'x'", 10, /use one of =/],
    ["metrics. > 1", 8, /needs a key after the dot/],
    ["auc > 0.5", 0, /prefix the key/],
    ["metrics.auc > 0.5 and", 21, /expected a key/],
    ["metrics.auc ; 1", 12, /unexpected character/],
  ];
  it.each(cases)("%s -> E_INVALID_FILTER at %i", async (filter, position, fix) => {
    const err = await errorOf(searchRuns(store, { filter }));
    expect(err.code).toBe("E_INVALID_FILTER");
    expect(err.data).toEqual({ position });
    expect(err.what).toContain(`at character ${position + 1}`);
    expect(`${err.what} / ${err.fix}`).toMatch(fix);
    expect(err.detail).toBe(`  ${filter}\n  ${" ".repeat(position)}^`);
  });
});

describe("searchExperiments", () => {
  it("filters on name and tags and orders by name", async () => {
    await createExperiment(store, "churn-a");
    const b = await createExperiment(store, "churn-b");
    await setExperimentTag(store, b.experimentId, "team", "risk");
    const found = async (filter: string, orderBy?: string[]) =>
      (await searchExperiments(store, { filter, ...(orderBy ? { orderBy } : {}) })).experiments.map(
        (e) => e.name,
      );
    expect(await found("name LIKE 'churn%'", ["name DESC"])).toEqual(["churn-b", "churn-a"]);
    expect(await found("tags.team = 'risk'")).toEqual(["churn-b"]);
    expect(await found("", ["name"])).toEqual(["churn-a", "churn-b", "search"]);
    expect((await errorOf(searchExperiments(store, { filter: "metrics.x > 1" }))).fix).toMatch(/tags\./);
  });
});
