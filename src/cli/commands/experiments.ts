/** `mlship experiments list`: the store's experiments with how many trainings each holds. */
import type { Command } from "commander";
import { experimentRunCounts, searchExperiments, type ViewType } from "../../track/index.js";
import { printJson, say, table } from "../output.js";
import { type StoreOptions, when, withStore } from "./runs.js";

interface ListOptions extends StoreOptions {
  filter?: string;
  all?: boolean;
  deleted?: boolean;
}

export function registerExperiments(program: Command): void {
  const experiments = program.command("experiments").description("Experiments in the store (one per spec)");
  experiments
    .command("list")
    .description("List experiments, newest first")
    .option("-f, --filter <expr>", "e.g. \"name LIKE 'churn%'\" or \"tags.team = 'risk'\"")
    .option("--all", "include deleted experiments")
    .option("--deleted", "only deleted experiments")
    .option("--store <file>", "the store (default: MLSHIP_STORE, else .mlship/store.db beside the spec)")
    .option("-s, --spec <file>", "the spec whose store to use (default: mlship.yaml here)")
    .option("--json", "print JSON on stdout")
    .action((opts: ListOptions) =>
      withStore(opts, async (store) => {
        const viewType: ViewType = opts.all ? "all" : opts.deleted ? "deleted" : "active";
        const experiments: Awaited<ReturnType<typeof searchExperiments>>["experiments"] = [];
        let pageToken: string | undefined;
        do {
          const page = await searchExperiments(store, {
            viewType,
            ...(opts.filter ? { filter: opts.filter } : {}),
            ...(pageToken ? { pageToken } : {}),
          });
          experiments.push(...page.experiments);
          pageToken = page.nextPageToken;
        } while (pageToken);
        const counts = await experimentRunCounts(store);
        const count = (id: string) => counts.get(id) ?? { runs: 0, lastStartTime: null };
        if (opts.json) {
          printJson({
            experiments: experiments.map((e) => ({
              ...e,
              runs: count(e.experimentId).runs,
              lastRunTime: count(e.experimentId).lastStartTime,
            })),
          });
          return;
        }
        if (experiments.length === 0) {
          say(
            opts.filter ? "no experiments match" : "no experiments yet (mlship train creates one per spec)",
          );
          return;
        }
        say(
          table(
            ["id", "name", "runs", "last run", "created"],
            experiments.map((e) => [
              e.experimentId,
              `${e.name}${e.lifecycleStage === "deleted" ? " (deleted)" : ""}`,
              count(e.experimentId).runs,
              when(count(e.experimentId).lastStartTime),
              when(e.createdAt),
            ]),
          ),
        );
      }),
    );
}
