/**
 * The production story on the telco churn data: customers arrive as scoring traffic, then a price rise
 * changes what they pay and who leaves. Seeded, so the same seed tells the same story.
 *
 * Time order: the data is a snapshot with no timestamps (tenure counts months since sign-up, not when a
 * customer was scored), so there is no true order to replay. Sorting by tenure would invent a drift of
 * its own (long-standing customers first), so customers are replayed in a seeded random order: each
 * one is a scoring request, in an order that is as exchangeable as the snapshot itself.
 *
 * The price rise, applied to every customer scored after it: fiber-optic plans cost 25% more, DSL 10%,
 * phone-only plans are unchanged; it took effect `monthsSinceRise` months ago, so total charges grow by
 * the monthly increase times the months the customer has paid it (min(tenure, monthsSinceRise)). Those
 * hit hardest react: a customer who would have stayed leaves with probability
 * clamp((increase - 12) / 20, 0, 0.45), so a $20 increase makes 40% of stayers leave and increases
 * under $12 change nothing. Long-standing customers on contracts, whom the old model rates safe, are
 * among them: the relationship between price and churn changed, not only the prices, which is what a
 * model trained on the new labels can learn and the old one cannot know.
 */
import { MlshipError } from "../core/errors.js";
import { cellValue, type Frame } from "../core/frame.js";
import { Random } from "../core/random.js";

export type Row = Record<string, unknown>;

export interface PriceRise {
  /** Relative increase per internet_service level. */
  byService: Readonly<Record<string, number>>;
  monthsSinceRise: number;
  /** Increase (in dollars a month) below which nobody reacts, and the span over which reaction grows. */
  reactFrom: number;
  reactSpan: number;
  /** Most of the stayers who leave at the largest increases. */
  maxLeave: number;
}

export const defaultPriceRise: PriceRise = {
  byService: { "Fiber optic": 0.25, DSL: 0.1 },
  monthsSinceRise: 6,
  reactFrom: 12,
  reactSpan: 20,
  maxLeave: 0.45,
};

export interface ScenarioOptions {
  seed: number;
  /** Customers scored before the rise, as they are. */
  before: number;
  /** Customers scored after it. */
  after: number;
  rise?: PriceRise;
  target?: string;
  positiveClass?: string;
}

export interface Customer {
  /** Row of the data this customer is. */
  row: number;
  phase: "before" | "after";
  /** What the client sends (no target). */
  record: Row;
  /** The outcome, sent later as feedback. */
  label: string;
  /** Monthly increase in dollars (0 before the rise). */
  increase: number;
  /** Would have stayed, left because of the rise. */
  leftOverPrice: boolean;
}

const required = ["internet_service", "monthly_charges", "total_charges", "tenure"];

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The chance a stayer leaves over a monthly increase. */
export function leaveChance(increase: number, rise: PriceRise = defaultPriceRise): number {
  return Math.min(rise.maxLeave, Math.max(0, (increase - rise.reactFrom) / rise.reactSpan));
}

/** The customers of the story, in replay order: `before` unchanged, then `after` with the rise. */
export function churnScenario(data: Frame, options: ScenarioOptions): Customer[] {
  const target = options.target ?? "churn";
  const positive = options.positiveClass ?? "Yes";
  const missing = [...required, target].filter((c) => !data.has(c));
  if (missing.length > 0) {
    throw new MlshipError({
      what: `the churn story needs the columns ${missing.join(", ")}, which the data lacks`,
      where: "simulate: --data",
      fix: "replay the telco churn data (examples/churn/wa_churn.csv) or a file with its columns",
      code: "E_SIMULATE_DATA",
    });
  }
  const total = options.before + options.after;
  if (total > data.nRows) {
    throw new MlshipError({
      what: `${options.before} + ${options.after} customers asked for, the data has ${data.nRows}`,
      where: "simulate: --before / --after",
      fix: `ask for at most ${data.nRows} customers in all (each is replayed once)`,
      code: "E_USAGE",
    });
  }
  const rise = options.rise ?? defaultPriceRise;
  const random = new Random(options.seed);
  const order = random.shuffle(Int32Array.from({ length: data.nRows }, (_, i) => i));
  const reactions = random.fork();
  const columns = data.names.filter((n) => n !== target).map((n) => [n, data.column(n)] as const);
  const labels = data.column(target);
  const out: Customer[] = [];
  for (let k = 0; k < total; k++) {
    const row = order[k];
    const record: Row = {};
    for (const [name, c] of columns) record[name] = cellValue(c, row);
    let label = String(cellValue(labels, row));
    const phase = k < options.before ? "before" : "after";
    let increase = 0;
    let leftOverPrice = false;
    // Drawn for every customer after the rise, so one customer's fate never shifts another's.
    const draw = phase === "after" ? reactions.next() : 1;
    if (phase === "after") {
      const share = rise.byService[String(record.internet_service)] ?? 0;
      const monthly = record.monthly_charges as number;
      increase = round2(monthly * share);
      record.monthly_charges = round2(monthly + increase);
      const tenure = record.tenure as number;
      if (typeof record.total_charges === "number")
        record.total_charges = round2(
          record.total_charges + increase * Math.min(tenure, rise.monthsSinceRise),
        );
      if (label !== positive && draw < leaveChance(increase, rise)) {
        label = positive;
        leftOverPrice = true;
      }
    }
    out.push({ row, phase, record, label, increase, leftOverPrice });
  }
  return out;
}
