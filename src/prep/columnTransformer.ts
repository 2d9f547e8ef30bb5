/**
 * Applies a transformer to each selection of columns and concatenates the results (scikit-learn's
 * ColumnTransformer): output columns are the transformers' outputs in order, then the remainder (columns
 * no transformer selected) when `remainder: "passthrough"`. Output names stay plain; only names that would
 * clash get the transformer's name as prefix, `<name>__<column>` (the remainder's name is "remainder").
 * Selections resolve to column names at fit; a selection that matches nothing is skipped.
 */
import { MlshipError, NotFittedError } from "../core/errors.js";
import type { Column, ColumnType, Frame } from "../core/frame.js";
import { Frame as FrameClass } from "../core/frame.js";
import {
  type EstimatorJSON,
  isTransformer,
  type Params,
  registerKind,
  reviveEstimator,
  type Transformer,
} from "../core/protocol.js";

const KIND = "columnTransformer";
const TYPES: readonly string[] = ["numeric", "categorical", "boolean", "datetime"];

/** Column names, a column type, or "all". */
export type Selector = readonly string[] | ColumnType | "all";

export interface ColumnTransformerOptions {
  remainder?: "drop" | "passthrough";
}

export interface ColumnTransformerParams extends Params {
  transformers: Array<{ name: string; kind: string; params: Params; columns: Selector }>;
  remainder: "drop" | "passthrough";
}

export interface ColumnTransformerState {
  /** Columns each transformer was fitted on (empty: skipped). */
  columns: string[][];
  /** Each transformer's learned state (null when skipped). */
  states: unknown[];
  remainder: string[];
  outputNames: string[];
}

export class ColumnTransformer implements Transformer<ColumnTransformerParams> {
  readonly kind = KIND;
  readonly transformers: ReadonlyArray<readonly [string, Transformer, Selector]>;
  readonly remainder: "drop" | "passthrough";
  #state: Omit<ColumnTransformerState, "states"> | null;

  constructor(
    transformers: ReadonlyArray<readonly [string, Transformer, Selector]>,
    options: ColumnTransformerOptions = {},
    state: Omit<ColumnTransformerState, "states"> | null = null,
  ) {
    const seen = new Set<string>(["remainder"]);
    for (const [name, t, selector] of transformers) {
      if (seen.has(name)) {
        throw new MlshipError({
          what: `${KIND}: transformer name "${name}" is used twice (or is reserved)`,
          fix: 'give every transformer a unique name other than "remainder"',
          code: "E_PREP_PARAMS",
        });
      }
      seen.add(name);
      if (!isTransformer(t)) {
        throw new MlshipError({
          what: `${KIND}: "${name}" (${(t as { kind: string }).kind}) is not a transformer`,
          fix: "put models at the end of a Pipeline, not inside a ColumnTransformer",
          code: "E_PREP_PARAMS",
        });
      }
      if (typeof selector === "string" && selector !== "all" && !TYPES.includes(selector)) {
        throw new MlshipError({
          what: `${KIND}: "${name}" selects columns by unknown type "${selector}"`,
          fix: `use column names (an array) or one of: ${TYPES.join(", ")}, all`,
          code: "E_PREP_PARAMS",
        });
      }
    }
    this.transformers = transformers;
    this.remainder = options.remainder ?? "drop";
    this.#state = state;
  }

  get params(): ColumnTransformerParams {
    return {
      transformers: this.transformers.map(([name, t, columns]) => ({
        name,
        kind: t.kind,
        params: t.params,
        columns: typeof columns === "string" ? columns : [...columns],
      })),
      remainder: this.remainder,
    };
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): ColumnTransformerState {
    if (this.#state === null) throw new NotFittedError(KIND);
    const states = this.transformers.map(([, t]) => (t.isFitted ? t.state : null));
    return { ...this.#state, states };
  }

  fit(X: Frame, y?: Column): this {
    this.fitTransform(X, y);
    return this;
  }

  fitTransform(X: Frame, y?: Column): Frame {
    const columns = this.transformers.map(([name, , selector]) => select(X, name, selector));
    const used = new Set(columns.flat());
    const remainder = this.remainder === "passthrough" ? X.names.filter((n) => !used.has(n)) : [];
    const parts = this.transformers.map(([, t], k) =>
      columns[k].length ? t.fitTransform(X.select(columns[k]), y) : null,
    );
    const raw: Array<[string, string]> = [];
    parts.forEach((p, k) => {
      for (const n of p?.names ?? []) raw.push([this.transformers[k][0], n]);
    });
    for (const n of remainder) raw.push(["remainder", n]);
    const count = new Map<string, number>();
    for (const [, n] of raw) count.set(n, (count.get(n) ?? 0) + 1);
    const outputNames = raw.map(([t, n]) => ((count.get(n) ?? 0) > 1 ? `${t}__${n}` : n));
    this.#state = { columns, remainder, outputNames };
    return this.#assemble(X, parts);
  }

  transform(X: Frame): Frame {
    if (this.#state === null) throw new NotFittedError(KIND);
    const { columns } = this.#state;
    const parts = this.transformers.map(([name, t], k) =>
      columns[k].length ? t.transform(selectFitted(X, name, columns[k])) : null,
    );
    return this.#assemble(X, parts);
  }

  #assemble(X: Frame, parts: Array<Frame | null>): Frame {
    const { remainder, outputNames } = this.#state as ColumnTransformerState;
    const cols: Column[] = [];
    // Index loops: an array iterator per part adds up when this runs once per request.
    for (const p of parts) {
      if (p === null) continue;
      for (let j = 0; j < p.names.length; j++) cols.push(p.column(p.names[j]));
    }
    if (remainder.length > 0) {
      const rest = selectFitted(X, "remainder", remainder);
      for (let j = 0; j < remainder.length; j++) cols.push(rest.column(remainder[j]));
    }
    return FrameClass.of(outputNames, cols, X.nRows);
  }

  /** Output column names, in order. */
  get outputNames(): string[] {
    if (this.#state === null) throw new NotFittedError(KIND);
    return [...this.#state.outputNames];
  }

  toJSON(): EstimatorJSON<ColumnTransformerParams> {
    const state =
      this.#state === null
        ? null
        : { ...this.#state, states: this.transformers.map(([, t]) => t.toJSON().state) };
    return { kind: KIND, params: this.params, state };
  }

  static fromJSON(json: EstimatorJSON): ColumnTransformer {
    const p = json.params as ColumnTransformerParams;
    const s = json.state as ColumnTransformerState | null;
    const transformers = p.transformers.map(
      (t, k) =>
        [
          t.name,
          reviveEstimator({ kind: t.kind, params: t.params, state: s?.states[k] ?? null }) as Transformer,
          t.columns,
        ] as const,
    );
    return new ColumnTransformer(
      transformers,
      { remainder: p.remainder },
      s === null ? null : { columns: s.columns, remainder: s.remainder, outputNames: s.outputNames },
    );
  }
}

function select(X: Frame, name: string, selector: Selector): string[] {
  if (selector === "all") return [...X.names];
  if (typeof selector === "string") return X.names.filter((n) => X.column(n).type === selector);
  return selectFitted(X, name, selector).names as string[];
}

function selectFitted(X: Frame, name: string, columns: readonly string[]): Frame {
  const missing = columns.filter((c) => !X.has(c));
  if (missing.length > 0) {
    throw new MlshipError({
      what: `${KIND}: "${name}" needs column${missing.length > 1 ? "s" : ""} ${missing.map((c) => `"${c}"`).join(", ")}, which this data does not have`,
      where: `columns: ${X.names.join(", ")}`,
      fix: "pass the same columns as at fit time (names are case-sensitive)",
      code: "E_PREP_MISSING_COLUMN",
    });
  }
  return X.select(columns);
}

registerKind(KIND, ColumnTransformer.fromJSON);
