/**
 * A churn model trained the way `mlship train` trains it (logistic regression only, so it is quick),
 * in a real store with its reference profile, and prediction-log rows written exactly as the server
 * writes them (scored by the served model, serialised by the log's own segmentOf), at chosen times.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { trainTracked } from "../../src/cli/commands/train.js";
import { loadProject } from "../../src/cli/project.js";
import { readFile } from "../../src/data/index.js";
import { piiHasher } from "../../src/serve/log/pii.js";
import { type LogRow, rowsOfSegment, segmentOf } from "../../src/serve/log/rows.js";
import { passThroughOf, rowReader } from "../../src/serve/predict/input.js";
import { type LoadedModel, ModelHost } from "../../src/serve/predict/models.js";
import { score } from "../../src/serve/predict/score.js";
import { openStore, type Store } from "../../src/store/index.js";

const churnDir = fileURLToPath(new URL("../../examples/churn/", import.meta.url));

export type Row = Record<string, unknown>;

export interface TrainedChurn {
  dir: string;
  store: Store;
  name: string;
  version: number;
  /** Row numbers of the churn data held out from training (what the holdout metrics measured). */
  holdoutRows: number[];
  close(): Promise<void>;
}

/** Trains the churn example (logistic regression) into a fresh store; `edit` changes the spec first. */
export async function trainChurn(
  edit: (spec: Record<string, unknown>) => void = () => {},
): Promise<TrainedChurn> {
  const dir = mkdtempSync(join(tmpdir(), "mlship-monitor-"));
  copyFileSync(join(churnDir, "wa_churn.csv"), join(dir, "wa_churn.csv"));
  const spec = parse(readFileSync(join(churnDir, "mlship.yaml"), "utf8")) as Record<string, unknown>;
  spec.models = [{ kind: "logisticRegression", params: { c: 1.0, maxIter: 1000 } }];
  edit(spec);
  writeFileSync(join(dir, "mlship.yaml"), stringify(spec));
  const storePath = join(dir, "store.db");
  const trained = await trainTracked(loadProject(join(dir, "mlship.yaml")), { store: storePath, json: true });
  const store = await openStore(storePath);
  return {
    dir,
    store,
    name: trained.registration.name,
    version: trained.registration.version,
    holdoutRows: Array.from(trained.result.holdoutRows),
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The churn rows as JSON records (features only, as a client sends them). */
export async function churnRecords(): Promise<Row[]> {
  const frame = await readFile(join(churnDir, "wa_churn.csv"));
  return frame.rows().map(({ churn: _, ...rest }) => rest);
}

export async function churnLabels(): Promise<string[]> {
  const frame = await readFile(join(churnDir, "wa_churn.csv"));
  return frame.rows().map((r) => String(r.churn));
}

const hash = piiHasher(Buffer.alloc(32, 7));

let requestCounter = 0;

/**
 * Scores `records` with the model version and writes one prediction_log row per record, as the
 * server's log would: request i is `records[i]` alone, received at `at(i)`.
 */
export async function logPredictions(
  store: Store,
  name: string,
  version: number,
  records: readonly Row[],
  at: (i: number) => number,
): Promise<string[]> {
  const host = new ModelHost(store);
  const model: LoadedModel = await host.version(name, version);
  const payload = model.artifact.payload;
  const reader = rowReader(payload.inputSchema, { passThrough: passThroughOf(payload) });
  const ids: string[] = [];
  const rows: LogRow[] = [];
  const scored = score(model, reader.frame(records as Row[]));
  for (let i = 0; i < records.length; i++) {
    const requestId = `req-test-${(++requestCounter).toString(36)}`;
    ids.push(requestId);
    rows.push(
      ...rowsOfSegment(
        segmentOf(
          {
            requestId,
            endpoint: "predict",
            model,
            alias: "champion",
            records: [records[i]],
            firstRow: 0,
            output: scored.slice(i, i + 1),
            latencyMs: 0.5,
            receivedAt: at(i),
          },
          () => hash,
        ),
      ),
    );
  }
  await store.write(async (trx) => {
    for (let i = 0; i < rows.length; i += 500)
      await trx
        .insertInto("prediction_log")
        .values(rows.slice(i, i + 500))
        .execute();
  });
  return ids;
}

/** Labels for logged predictions, as the feedback endpoint stores them. */
export async function logLabels(
  store: Store,
  model: string,
  labels: ReadonlyArray<{ requestId: string; label: string | number }>,
  at = Date.now(),
): Promise<void> {
  const rows = labels.map((l) => ({
    request_id: l.requestId,
    row_index: 0,
    model,
    label: JSON.stringify(l.label),
    labelled_at: at,
  }));
  await store.write(async (trx) => {
    for (let i = 0; i < rows.length; i += 500)
      await trx
        .insertInto("prediction_feedback")
        .values(rows.slice(i, i + 500))
        .execute();
  });
}

/** Customers after a price rise: monthly charges up 40%, fewer long contracts, shorter tenure. */
export function drifted(records: readonly Row[]): Row[] {
  return records.map((r, i) => ({
    ...r,
    monthly_charges: Math.round((r.monthly_charges as number) * 1.4 * 100) / 100,
    tenure: Math.max(0, Math.round((r.tenure as number) * 0.5)),
    contract: i % 5 === 0 ? r.contract : "Month-to-month",
  }));
}
