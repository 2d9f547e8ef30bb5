/**
 * A churn champion trained once per test file (logistic regression only, as `mlship train` trains it),
 * copied into a fresh folder per test with the retraining policy the test needs, and customers of the
 * churn story logged as the server logs them, at times on a clock the test controls.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { Customer } from "../../src/automate/index.js";
import { loadProject, type Project } from "../../src/cli/project.js";
import { openStore, type Store } from "../../src/store/index.js";
import { logLabels, logPredictions, type TrainedChurn, trainChurn } from "../monitor/helpers.js";

/** Midnight after tomorrow: later than the champion trained now, so labels count as new. */
export const t0 = (Math.floor(Date.now() / 86_400_000) + 2) * 86_400_000;
export const minute = 60_000;

export interface Workspace {
  dir: string;
  store: Store;
  project: Project;
  name: string;
  close(): Promise<void>;
}

/** The champion, trained once; its folder is copied by `workspace`. */
export async function baseChampion(): Promise<TrainedChurn> {
  const base = await trainChurn();
  // Closed so its files can be copied whole (WAL checkpointed on close).
  await base.store.close();
  return base;
}

/** A copy of the base store and data with `retraining` (and spec edits) written into its spec. */
export async function workspace(
  base: TrainedChurn,
  retraining: Record<string, unknown>,
  edit: (spec: Record<string, unknown>) => void = () => {},
): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), "mlship-automate-"));
  for (const f of ["store.db", "wa_churn.csv", "mlship.yaml"]) copyFileSync(join(base.dir, f), join(dir, f));
  const spec = parse(readFileSync(join(dir, "mlship.yaml"), "utf8")) as Record<string, unknown>;
  spec.retraining = retraining;
  edit(spec);
  writeFileSync(join(dir, "mlship.yaml"), stringify(spec));
  const store = await openStore(join(dir, "store.db"));
  return {
    dir,
    store,
    project: loadProject(join(dir, "mlship.yaml")),
    name: base.name,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Logs the customers as predictions of `version`, one a minute from `from`, and their labels (all of
 * them, or the ones `label` keeps, with the label it gives) `labelAt` later than the last prediction.
 */
export async function logCustomers(
  w: Pick<Workspace, "store" | "name">,
  version: number,
  customers: readonly Customer[],
  from: number,
  options: { label?: (c: Customer, i: number) => string | null; labelledAt?: number } = {},
): Promise<{ ids: string[]; until: number }> {
  const at = (i: number) => from + i * minute;
  const ids = await logPredictions(
    w.store,
    w.name,
    version,
    customers.map((c) => c.record),
    at,
  );
  const labels: Array<{ requestId: string; label: string }> = [];
  customers.forEach((c, i) => {
    const label = options.label ? options.label(c, i) : c.label;
    if (label !== null) labels.push({ requestId: ids[i], label });
  });
  const until = at(customers.length - 1);
  await logLabels(w.store, w.name, labels, options.labelledAt ?? until + minute);
  return { ids, until };
}

export const flip = (label: string) => (label === "Yes" ? "No" : "Yes");
