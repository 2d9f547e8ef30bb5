/**
 * Counters and histograms for the metrics counted on every request, registered in a prom-client
 * Registry like its own metrics (the text format, the JSON a cluster primary sums, all unchanged).
 * prom-client hashes a labels object on every increment (sorting its keys, about two microseconds per
 * call, three to four calls per request); these take the label values in a fixed order, find the
 * series by one joined key, and count into plain numbers. Nothing is formatted until a scrape.
 */
import type { Registry } from "prom-client";

/** What prom-client's registry reads from a metric (`get()`), for the text format and for JSON. */
interface Exported {
  name: string;
  help: string;
  type: "counter" | "histogram";
  aggregator: "sum";
  values: Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
}

interface Series {
  labels: Record<string, string>;
}

abstract class Labelled<S extends Series> {
  protected readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    /** Label names; an empty value leaves its label out of the series (as prom-client does when unset). */
    protected readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    // prom-client's registry takes any object with name, help, type, aggregator and get().
    registry.registerMetric(this as never);
  }

  readonly aggregator = "sum" as const;

  protected find(values: readonly string[]): S {
    const key = values.join("\u0000");
    let s = this.series.get(key);
    if (s === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, j) => {
        if (values[j] !== "") labels[n] = values[j];
      });
      s = this.create(labels);
      this.series.set(key, s);
    }
    return s;
  }

  protected abstract create(labels: Record<string, string>): S;
}

export class FastCounter extends Labelled<Series & { value: number }> {
  readonly type = "counter" as const;

  inc(values: readonly string[], by = 1): void {
    this.find(values).value += by;
  }

  protected create(labels: Record<string, string>) {
    return { labels, value: 0 };
  }

  async get(): Promise<Exported> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })),
    };
  }
}

interface HistogramSeries extends Series {
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram extends Labelled<HistogramSeries> {
  readonly type = "histogram" as const;

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  observe(values: readonly string[], value: number): void {
    this.add(this.find(values), value);
  }

  /** Observes every finite value of `xs` into the series of these label values (a batch's predictions). */
  observeAll(values: readonly string[], xs: ArrayLike<number>): void {
    const s = this.find(values);
    for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i])) this.add(s, xs[i]);
  }

  private add(s: HistogramSeries, value: number): void {
    const buckets = this.buckets;
    let b = 0;
    while (b < buckets.length && value > buckets[b]) b++;
    s.counts[b]++;
    s.sum += value;
    s.count++;
  }

  protected create(labels: Record<string, string>): HistogramSeries {
    return { labels, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
  }

  async get(): Promise<Exported> {
    const values: Exported["values"] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, b) => {
        cumulative += s.counts[b];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: "+Inf" }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
