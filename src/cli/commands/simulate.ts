/**
 * `mlship simulate --url URL`: the churn story replayed through a running server. Customers of the
 * telco churn data are scored in a seeded order, then a price rise reaches the next ones (bills and
 * churn change), and every outcome is sent to the feedback endpoint a while after the customer was
 * scored. With `mlship serve --watch` (or `mlship watch`) running on the same store, the drift is found,
 * a challenger trained, compared and promoted or refused; `--follow` prints those decisions here too.
 */
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import {
  type Customer,
  churnScenario,
  Replay,
  type StorySummary,
  storySummary,
} from "../../automate/index.js";
import { MlshipError } from "../../core/errors.js";
import { readFile } from "../../data/index.js";
import { bold, dim, printJson, say } from "../output.js";
import { startProgress } from "../progress.js";

const bundledData = fileURLToPath(new URL("../../../examples/churn/wa_churn.csv", import.meta.url));

const usage = (what: string, fix: string) => new MlshipError({ what, fix, code: "E_USAGE" });

function count(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw usage(
      `${flag} needs a whole number >= ${min}, got "${text}"`,
      `e.g. ${flag} ${Math.max(min, 100)}`,
    );
  return n;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const usd = (x: number) => `$${x.toFixed(2)}`;

/** The story's numbers, as a business reader wants them. */
export function storyLines(s: StorySummary): string[] {
  const a = s.after;
  const h = s.hitHard;
  return [
    `before the price rise: ${s.before.customers} customers, average bill ${usd(s.before.monthlyMean)}, ${pct(s.before.churnRate)} leave`,
    `after it: ${a.customers} customers, average bill ${usd(a.monthlyMeanWithoutRise)} -> ${usd(a.monthlyMean)}, ` +
      `${pct(a.churnRate)} leave (${pct(a.churnRateWithoutRise)} would have without the rise)`,
    `hit hardest (bill up $${h.increase} or more): ${h.customers} customers, ${pct(h.churnRate)} leave ` +
      `(${pct(h.churnRateWithoutRise)} would have); ${s.leftOverPrice} customers in all leave over the price`,
  ];
}

export interface SimulateOptions {
  url: string;
  model: string;
  data: string;
  seed: number;
  before: number;
  after: number;
  offset: number;
  batch: number;
  labelDelay: number;
  token?: string;
}

/** The story's customers, `offset` into the seeded order (a second run goes on where the first ended). */
export async function storyCustomers(
  o: Pick<SimulateOptions, "data" | "seed" | "before" | "after" | "offset">,
): Promise<Customer[]> {
  const frame = await readFile(o.data);
  const all = churnScenario(frame, { seed: o.seed, before: o.before + o.offset, after: o.after });
  return all.slice(o.offset);
}

interface DecisionEvent {
  id: number;
  at: number;
  status: string;
  message: string;
  name: string;
}

/** Decisions the server recorded since `since`, oldest first. */
async function decisionsSince(o: SimulateOptions, since: number): Promise<DecisionEvent[]> {
  const url = `${o.url.replace(/\/+$/, "")}/api/v1/monitor/events?type=decision&model=${encodeURIComponent(o.model)}&since=${since}`;
  const res = await fetch(url, { headers: o.token ? { authorization: `Bearer ${o.token}` } : {} });
  if (!res.ok) return [];
  const body = (await res.json()) as { events: DecisionEvent[] };
  return body.events.reverse();
}

async function follow(o: SimulateOptions, since: number, timeoutMs: number): Promise<void> {
  say(dim(`waiting for the watcher's decisions (up to ${Math.round(timeoutMs / 1000)} s)...`));
  const seen = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const e of await decisionsSince(o, since)) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      say(`${bold(e.status)}: ${e.message}`);
      if (["promoted", "refused", "failed", "rolled-back", "kept"].includes(e.status)) return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  say(
    dim("no retraining decision yet: is `mlship watch` (or `mlship serve --watch`) running on this store?"),
  );
}

export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .description(
      "Replay the churn data through a running server as traffic, then a price rise, with delayed outcomes",
    )
    .requiredOption("--url <url>", "the server's address, e.g. http://127.0.0.1:5000")
    .option("--model <name>", "the registered model to score with", "telco_churn")
    .option("--data <file>", "the churn data (default: the bundled examples/churn/wa_churn.csv)")
    .option("--seed <n>", "seed of the customers' order and of who reacts to the price", "42")
    .option("--before <n>", "customers scored before the price rise", "1500")
    .option("--after <n>", "customers scored after it", "3000")
    .option("--offset <n>", "skip this many customers of the seeded order (go on from an earlier run)", "0")
    .option("--batch <n>", "customers per scoring request", "20")
    .option(
      "--label-delay <n>",
      "a customer's outcome is sent once this many later customers were scored",
      "200",
    )
    .option("--api-key-env <name>", "environment variable holding an API key (predict role) for the server")
    .option("--follow", "then wait for the watcher's retraining decision and print it")
    .option("--follow-timeout <seconds>", "how long --follow waits", "600")
    .option("--json", "print the summary as JSON on stdout")
    .action(
      async (opts: {
        url: string;
        model: string;
        data?: string;
        seed: string;
        before: string;
        after: string;
        offset: string;
        batch: string;
        labelDelay: string;
        apiKeyEnv?: string;
        follow?: boolean;
        followTimeout: string;
        json?: boolean;
      }) => {
        let token: string | undefined;
        if (opts.apiKeyEnv !== undefined) {
          token = process.env[opts.apiKeyEnv];
          if (!token)
            throw usage(
              `the environment variable ${opts.apiKeyEnv} is not set`,
              `export ${opts.apiKeyEnv}=mls_...`,
            );
        }
        try {
          new URL(opts.url);
        } catch {
          throw usage(
            `--url must be the server's address, got "${opts.url}"`,
            "e.g. --url http://127.0.0.1:5000",
          );
        }
        const o: SimulateOptions = {
          url: opts.url,
          model: opts.model,
          data: opts.data ?? bundledData,
          seed: count(opts.seed, "--seed", 0),
          before: count(opts.before, "--before", 0),
          after: count(opts.after, "--after", 0),
          offset: count(opts.offset, "--offset", 0),
          batch: count(opts.batch, "--batch", 1),
          labelDelay: count(opts.labelDelay, "--label-delay", 0),
          ...(token ? { token } : {}),
        };
        const started = Date.now();
        const customers = await storyCustomers(o);
        const summary = storySummary(customers);
        const quiet = opts.json === true;
        if (!quiet) {
          say(
            `replaying ${customers.length} customers of ${o.data} through ${o.url} (model ${o.model}, seed ${o.seed}), ` +
              `${o.batch} per request, each outcome sent ${o.labelDelay} customers later`,
          );
          say(
            dim(
              "  order: a seeded shuffle (the data has no timestamps; tenure is months since sign-up, not a time of scoring)",
            ),
          );
          say(
            dim(
              "  the price rise: fiber-optic plans +25%, DSL +10%, phone-only unchanged, in effect for 6 months",
            ),
          );
          for (const l of storyLines(summary)) say(`  ${l}`);
        }
        const replay = new Replay({
          url: o.url,
          model: o.model,
          batch: o.batch,
          labelDelay: o.labelDelay,
          ...(token ? { token } : {}),
        });
        const phases = [
          ["before the rise", customers.filter((c) => c.phase === "before")],
          ["after the rise", customers.filter((c) => c.phase === "after")],
        ] as const;
        for (const [name, phase] of phases) {
          if (phase.length === 0) continue;
          const bar = quiet ? null : startProgress(`${name} (requests)`, Math.ceil(phase.length / o.batch));
          const p = await replay.send(phase, (x) =>
            bar?.tick(`${x.scored} scored, ${x.labelled} outcomes sent`),
          );
          bar?.stop();
          if (!quiet)
            say(
              `${name}: ${p.scored} customers scored in ${Math.ceil(p.scored / o.batch)} requests; ${p.labelled} outcomes sent so far`,
            );
        }
        const flushed = await replay.flush();
        if (!quiet)
          say(
            `the last ${flushed} customers' outcomes arrive: every scored customer now has a known outcome`,
          );
        const seconds = (Date.now() - started) / 1000;
        if (opts.json)
          printJson({ customers: customers.length, requests: replay.requestIds.length, seconds, summary });
        else say(dim(`done in ${seconds.toFixed(1)} s`));
        if (opts.follow) await follow(o, started, count(opts.followTimeout, "--follow-timeout", 1) * 1000);
      },
    );
}
