/**
 * A search space as the samplers see it: dimensions (int, float, categorical), each active only when the
 * conditions on its parents hold. Several tuned models form one tree: a root choice of the model, and each
 * model's parameters conditional on it being chosen, so one budget and one sampler serve them all.
 */
import { MlshipError } from "../core/errors.js";
import type { Random } from "../core/random.js";
import type { ParamSpace } from "../spec/index.js";

export type ChoiceValue = string | number | boolean | null;

export type Distribution =
  | { type: "int"; low: number; high: number; step: number; log: boolean }
  | { type: "float"; low: number; high: number; step: number | null; log: boolean }
  | { type: "categorical"; choices: readonly ChoiceValue[] };

export interface Condition {
  /** The key of the parent dimension (always categorical). */
  key: string;
  values: readonly ChoiceValue[];
}

export interface Dimension {
  /** Unique in the space: the parameter, or "<model>.<parameter>" when several models are tuned. */
  key: string;
  /** The estimator parameter it sets ("" for the model choice). */
  param: string;
  distribution: Distribution;
  /** Every one must hold for the dimension to be sampled. */
  conditions: readonly Condition[];
}

/** Dimensions ordered so that every parent comes before the dimensions that depend on it. */
export interface SearchSpace {
  dimensions: readonly Dimension[];
}

/** One trial's values, for its active dimensions only. */
export type Assignment = Readonly<Record<string, ChoiceValue>>;

export function distributionOf(s: ParamSpace): Distribution {
  if ("int" in s) return { type: "int", low: s.int[0], high: s.int[1], step: s.step ?? 1, log: s.log };
  if ("float" in s)
    return { type: "float", low: s.float[0], high: s.float[1], step: s.step ?? null, log: s.log };
  return { type: "categorical", choices: s.choice };
}

function conditionsOf(s: ParamSpace, prefix: string): Condition[] {
  return Object.entries(s.when ?? {}).map(([parent, values]) => ({
    key: `${prefix}${parent}`,
    values: [values].flat(),
  }));
}

/** Parents before children, otherwise in the order written. The spec has already refused loops. */
function ordered(dims: Dimension[]): Dimension[] {
  const byKey = new Map(dims.map((d) => [d.key, d]));
  const out: Dimension[] = [];
  const placed = new Set<string>();
  const place = (d: Dimension, depth: number): void => {
    if (placed.has(d.key)) return;
    if (depth > dims.length) {
      throw new MlshipError({
        what: `the conditions of "${d.key}" loop back on themselves`,
        code: "E_TUNE_SPACE",
      });
    }
    for (const c of d.conditions) {
      const parent = byKey.get(c.key);
      if (parent) place(parent, depth + 1);
    }
    placed.add(d.key);
    out.push(d);
  };
  for (const d of dims) place(d, 0);
  return out;
}

/** A space from spec-style definitions (the `space:` of one model entry). */
export function searchSpace(definitions: Readonly<Record<string, ParamSpace>>, prefix = ""): SearchSpace {
  const dims = Object.entries(definitions).map(([param, s]) => ({
    key: `${prefix}${param}`,
    param,
    distribution: distributionOf(s),
    conditions: conditionsOf(s, prefix),
  }));
  return { dimensions: ordered(dims) };
}

/** The key of the root dimension that picks among several tuned models. */
export const MODEL_KEY = "model";

/**
 * One space over several models: a root choice among their names, each model's dimensions prefixed with
 * "<name>." and active only when that model is chosen. A single model keeps its own parameter names.
 */
export function modelsSpace(
  models: ReadonlyArray<{ name: string; space: Readonly<Record<string, ParamSpace>> }>,
): SearchSpace {
  if (models.length === 1) return searchSpace(models[0].space);
  const root: Dimension = {
    key: MODEL_KEY,
    param: "",
    distribution: { type: "categorical", choices: models.map((m) => m.name) },
    conditions: [],
  };
  const dims = [root];
  for (const m of models) {
    for (const d of searchSpace(m.space, `${m.name}.`).dimensions) {
      dims.push({ ...d, conditions: [{ key: MODEL_KEY, values: [m.name] }, ...d.conditions] });
    }
  }
  return { dimensions: dims };
}

export function isActive(d: Dimension, values: Assignment): boolean {
  return d.conditions.every((c) => c.key in values && c.values.some((v) => v === values[c.key]));
}

/** Walks the space in order, asking `pick` for the value of every active dimension. */
export function assign(
  space: SearchSpace,
  pick: (d: Dimension, sofar: Assignment) => ChoiceValue,
): Assignment {
  const values: Record<string, ChoiceValue> = {};
  for (const d of space.dimensions) if (isActive(d, values)) values[d.key] = pick(d, values);
  return values;
}

/** A key equal for equal assignments, whatever the order of their fields. */
export function assignmentKey(a: Assignment): string {
  return JSON.stringify(
    Object.keys(a)
      .sort()
      .map((k) => [k, a[k]]),
  );
}

/** The numeric form the samplers model: the value itself, or a choice's index. */
export function toInternal(d: Distribution, v: ChoiceValue): number {
  if (d.type === "categorical") return d.choices.indexOf(v);
  return v as number;
}

/** Rounds onto the step grid from `low` and clips into [low, high], as Optuna does for stepped domains. */
export function snap(v: number, low: number, high: number, step: number): number {
  const k = Math.round((v - low) / step);
  // Rounded at 12 significant digits so 0.1-stepped floats read 0.3, not 0.30000000000000004.
  const x = Number((low + k * step).toPrecision(12));
  return Math.min(high, Math.max(low, x));
}

/**
 * Uniform over the domain, as Optuna's RandomSampler: stepped domains widen by half a step each side
 * before rounding, so the end points are as likely as the rest; log domains are uniform in log space.
 */
export function sampleUniform(d: Distribution, rng: Random): ChoiceValue {
  if (d.type === "categorical") return d.choices[rng.int(d.choices.length)];
  const step = d.step;
  let low = step === null ? d.low : d.low - step / 2;
  let high = step === null ? d.high : d.high + step / 2;
  if (d.log) [low, high] = [Math.log(low), Math.log(high)];
  let v = low + rng.next() * (high - low);
  if (d.log) v = Math.exp(v);
  if (step === null) return Math.min(d.high, Math.max(d.low, v));
  return snap(v, d.low, d.high, step);
}

/** Every value of a finite dimension, in order; null for a continuous float. */
export function gridValues(d: Distribution): ChoiceValue[] | null {
  if (d.type === "categorical") return [...d.choices];
  if (d.step === null) return null;
  const n = Math.round((d.high - d.low) / d.step);
  return Array.from({ length: n + 1 }, (_, k) => snap(d.low + k * d.step!, d.low, d.high, d.step!));
}

/** Largest grid enumerated; beyond it the grid sampler is the wrong tool. */
export const MAX_GRID = 1_000_000;

/**
 * Every assignment of a finite space: each active dimension takes each of its values, the first
 * dimension varying slowest. Conditional dimensions appear only under the parent values that enable them.
 */
export function gridOf(space: SearchSpace): Assignment[] {
  const out: Assignment[] = [];
  const dims = space.dimensions;
  const walk = (i: number, values: Record<string, ChoiceValue>): void => {
    if (i === dims.length) {
      if (out.length >= MAX_GRID) {
        throw new MlshipError({
          what: `the grid has more than ${MAX_GRID.toLocaleString("en")} points`,
          fix: "search it with sampler: tpe or random and a trial budget, or coarsen the steps",
          code: "E_TUNE_GRID",
        });
      }
      out.push({ ...values });
      return;
    }
    const d = dims[i];
    if (!isActive(d, values)) {
      walk(i + 1, values);
      return;
    }
    for (const v of gridValues(d.distribution) ?? []) {
      values[d.key] = v;
      walk(i + 1, values);
    }
    delete values[d.key];
  };
  walk(0, {});
  return out;
}
