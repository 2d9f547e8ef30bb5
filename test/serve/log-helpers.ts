/**
 * For the prediction log tests: a penguin classifier whose spec names a key column and PII columns
 * (pass-through fields beside the features, or a feature on purpose), reading the log back, and a
 * second connection that holds the store's write lock the way another process would.
 */

import Database from "better-sqlite3";
import { encodeArtifact } from "../../src/artifact/index.js";
import { inferSchema, readFile } from "../../src/data/index.js";
import { LogisticRegression } from "../../src/models/index.js";
import { defaultPrep, Pipeline } from "../../src/prep/index.js";
import type { Store } from "../../src/store/index.js";

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

/** Penguins by species, with `pii` and `key` in the spec excerpt as `mlship train` writes them. */
export async function penguinsWithSpec(spec: { pii?: string[]; key?: string }): Promise<Uint8Array> {
  const frame = await readFile(fixture("penguins.csv"));
  const X = frame.drop(["species"]);
  const pipeline = new Pipeline([
    ["prep", defaultPrep(X, { scale: true }).pipeline],
    ["model", new LogisticRegression({ c: 1 })],
  ]);
  pipeline.fit(X, frame.column("species"));
  return encodeArtifact({
    pipeline,
    inputSchema: inferSchema(X),
    spec: {
      name: "penguins",
      task: "multiclass",
      objective: { business: "tests", kpi: "none" },
      metric: { primary: "accuracy" },
      pii: spec.pii ?? [],
      ...(spec.key === undefined ? {} : { key: spec.key }),
    } as never,
    dataFingerprint: "fixture:penguins.csv",
  }).bytes;
}

export interface LoggedRow {
  request_id: string;
  row_index: number;
  model: string;
  version: number;
  alias: string | null;
  fallback: string | null;
  endpoint: string;
  at: number;
  latency_ms: number;
  row_key: string | null;
  inputs: string;
  pii: string | null;
  prediction: string;
  probabilities: string | null;
}

export async function logged(store: Store): Promise<LoggedRow[]> {
  return (await store.db
    .selectFrom("prediction_log")
    .selectAll()
    .orderBy("at")
    .orderBy("request_id")
    .orderBy("row_index")
    .execute()) as LoggedRow[];
}

/** Another connection in BEGIN IMMEDIATE: the store's writers get SQLITE_BUSY until `release`. */
export function holdWriteLock(path: string): { release(): void } {
  const other = new Database(path);
  other.prepare("BEGIN IMMEDIATE").run();
  return {
    release() {
      other.prepare("COMMIT").run();
      other.close();
    },
  };
}

export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
