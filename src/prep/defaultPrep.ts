/**
 * The preparation used when the spec names none, chosen from the column types:
 * numeric -> median impute (+ standard scale); categorical -> most-frequent impute + one-hot (unknown levels
 * encode as all zeros); boolean -> 1/0 + most-frequent impute; datetime -> epoch milliseconds + median
 * impute (+ standard scale). Columns are selected by name, so the fitted pipeline states exactly which
 * input columns it needs.
 */
import type { ColumnType, Frame } from "../core/frame.js";
import type { Transformer } from "../core/protocol.js";
import type { DatasetSchema } from "../data/schema.js";
import { ColumnTransformer } from "./columnTransformer.js";
import { OneHotEncoder } from "./oneHotEncoder.js";
import { Pipeline } from "./pipeline.js";
import { StandardScaler } from "./scalers.js";
import { SimpleImputer } from "./simpleImputer.js";
import { ToNumeric } from "./toNumeric.js";

export interface DefaultPrepOptions {
  /** Standard-scale numeric and datetime columns (for linear models, kNN and other scale-sensitive models). */
  scale: boolean;
}

export interface DefaultPrep {
  /** An unfitted Pipeline whose one step, "columns", is a ColumnTransformer; append a model to it. */
  pipeline: Pipeline;
  /** One line per column group, for the user. */
  description: string[];
}

type Group = { type: ColumnType; steps: Array<[string, Transformer, string]> };

export function defaultPrep(schema: DatasetSchema | Frame, options: DefaultPrepOptions): DefaultPrep {
  const types: Array<[string, ColumnType]> =
    "columns" in schema ? schema.columns.map((c) => [c.name, c.type]) : Object.entries(schema.types());
  const scale = (): Array<[string, Transformer, string]> =>
    options.scale ? [["scale", new StandardScaler(), "standard scale"]] : [];
  const groups: Group[] = [
    {
      type: "numeric",
      steps: [["impute", new SimpleImputer({ strategy: "median" }), "median impute"], ...scale()],
    },
    {
      type: "categorical",
      steps: [
        ["impute", new SimpleImputer({ strategy: "mostFrequent" }), "most-frequent impute"],
        ["encode", new OneHotEncoder({ unknown: "ignore" }), "one-hot encode (unseen levels -> all zeros)"],
      ],
    },
    {
      type: "boolean",
      steps: [
        ["toNumeric", new ToNumeric(), "as 1/0"],
        ["impute", new SimpleImputer({ strategy: "mostFrequent" }), "most-frequent impute"],
      ],
    },
    {
      type: "datetime",
      steps: [
        ["toNumeric", new ToNumeric(), "as epoch milliseconds"],
        ["impute", new SimpleImputer({ strategy: "median" }), "median impute"],
        ...scale(),
      ],
    },
  ];
  const transformers: Array<readonly [string, Transformer, readonly string[]]> = [];
  const description: string[] = [];
  for (const g of groups) {
    const names = types.filter(([, t]) => t === g.type).map(([n]) => n);
    if (names.length === 0) continue;
    transformers.push([g.type, new Pipeline(g.steps.map(([n, t]) => [n, t] as const)), names]);
    const what = g.steps.map(([, , d]) => d).join(", ");
    description.push(`${g.type} (${names.length} column${names.length === 1 ? "" : "s"}): ${what}`);
  }
  if (transformers.length === 0) description.push("no feature columns: nothing to prepare");
  return {
    pipeline: new Pipeline([["columns", new ColumnTransformer(transformers, { remainder: "drop" })]]),
    description,
  };
}
