/**
 * The preparation used when the spec names none, chosen from the column types:
 * numeric -> median impute (+ standard scale); categorical -> most-frequent impute + one-hot (unknown levels
 * encode as all zeros); boolean -> 1/0 + most-frequent impute; datetime -> epoch milliseconds + median
 * impute (+ standard scale). Columns are selected by name, so the fitted pipeline states exactly which
 * input columns it needs.
 *
 * For models that take missing values and categories natively (`native`): numeric, boolean (1/0) and
 * datetime (epoch ms) columns as numbers with missing values kept, categorical columns as they are, except
 * those with more levels than the model can split on (`maxCategories`), which become ordinal codes.
 */
import type { ColumnType, Frame } from "../core/frame.js";
import type { Transformer } from "../core/protocol.js";
import type { DatasetSchema } from "../data/schema.js";
import { ColumnTransformer } from "./columnTransformer.js";
import { KeepCategorical } from "./keepCategorical.js";
import { OneHotEncoder } from "./oneHotEncoder.js";
import { OrdinalEncoder } from "./ordinalEncoder.js";
import { Pipeline } from "./pipeline.js";
import { StandardScaler } from "./scalers.js";
import { SimpleImputer } from "./simpleImputer.js";
import { ToNumeric } from "./toNumeric.js";

export interface DefaultPrepOptions {
  /** Standard-scale numeric and datetime columns (for linear models, kNN and other scale-sensitive models). */
  scale: boolean;
  /** Keep missing values and categorical columns for a model that handles them (see above). */
  native?: boolean;
  /** Native only: categorical columns with more levels than this are ordinal-encoded (default 255). */
  maxCategories?: number;
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
  if (options.native) return nativePrep(schema, types, options.maxCategories ?? 255);
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

function levelCount(schema: DatasetSchema | Frame, name: string): number {
  if ("columns" in schema) return schema.columns.find((c) => c.name === name)?.distinctCount ?? 0;
  const c = schema.categorical(name);
  const seen = new Uint8Array(c.levels.length);
  let count = 0;
  for (let i = 0; i < c.codes.length; i++) {
    const code = c.codes[i];
    if (code >= 0 && seen[code] === 0) {
      seen[code] = 1;
      count++;
    }
  }
  return count;
}

function nativePrep(
  schema: DatasetSchema | Frame,
  types: Array<[string, ColumnType]>,
  maxCategories: number,
): DefaultPrep {
  const numbers = types.filter(([, t]) => t !== "categorical").map(([n]) => n);
  const categorical = types.filter(([, t]) => t === "categorical").map(([n]) => n);
  const many = categorical.filter((n) => levelCount(schema, n) > maxCategories);
  const kept = categorical.filter((n) => !many.includes(n));
  const transformers: Array<readonly [string, Transformer, readonly string[]]> = [];
  const description: string[] = [];
  const plural = (k: number) => `${k} column${k === 1 ? "" : "s"}`;
  if (numbers.length > 0) {
    transformers.push(["numeric", new ToNumeric(), numbers]);
    description.push(
      `numeric, boolean, datetime (${plural(numbers.length)}): as numbers, missing values left to the model`,
    );
  }
  if (many.length > 0) {
    transformers.push(["manyLevels", new OrdinalEncoder({ unknown: "useValue", unknownValue: null }), many]);
    description.push(
      `categorical with more than ${maxCategories} levels (${plural(many.length)}): ordinal codes (unseen levels -> missing)`,
    );
  }
  if (kept.length > 0) {
    transformers.push(["categorical", new KeepCategorical(), kept]);
    description.push(`categorical (${plural(kept.length)}): as categories, split natively by the model`);
  }
  if (transformers.length === 0) description.push("no feature columns: nothing to prepare");
  return {
    pipeline: new Pipeline([["columns", new ColumnTransformer(transformers, { remainder: "drop" })]]),
    description,
  };
}
