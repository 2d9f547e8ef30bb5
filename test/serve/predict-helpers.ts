/**
 * Real models for the prediction tests: trained with the library on the fixtures (a penguin species
 * classifier with categorical and numeric inputs, a concrete strength regressor), registered in the
 * test server's store.
 */
import { encodeArtifact } from "../../src/artifact/index.js";
import type { Frame } from "../../src/core/frame.js";
import type { Estimator } from "../../src/core/protocol.js";
import { inferSchema, readFile } from "../../src/data/index.js";
import { DecisionTreeClassifier, LinearRegression, LogisticRegression } from "../../src/models/index.js";
import {
  ColumnTransformer,
  defaultPrep,
  OneHotEncoder,
  Pipeline,
  SimpleImputer,
  StandardScaler,
} from "../../src/prep/index.js";
import { createModelVersion, setAlias } from "../../src/registry/index.js";
import type { Store } from "../../src/store/index.js";

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

/** The default preparation, but the one-hot encoder refuses categories it did not see in training. */
function strictPrep(X: Frame): Pipeline {
  const names = (type: string) => X.names.filter((n) => X.column(n).type === type);
  return new Pipeline([
    [
      "columns",
      new ColumnTransformer([
        [
          "numeric",
          new Pipeline([
            ["impute", new SimpleImputer({ strategy: "median" })],
            ["scale", new StandardScaler()],
          ]),
          names("numeric"),
        ],
        [
          "categorical",
          new Pipeline([
            ["impute", new SimpleImputer({ strategy: "mostFrequent" })],
            ["encode", new OneHotEncoder({ unknown: "error" })],
          ]),
          names("categorical"),
        ],
      ]),
    ],
  ]);
}

async function artifactOf(
  file: string,
  target: string,
  model: Estimator,
  task: string,
  prep: (X: Frame) => Pipeline = (X) => defaultPrep(X, { scale: true }).pipeline,
): Promise<Uint8Array> {
  const frame: Frame = await readFile(fixture(file));
  const rows = frame;
  const X = rows.drop([target]);
  const y = rows.column(target);
  const pipeline = new Pipeline([
    ["prep", prep(X)],
    ["model", model],
  ]);
  pipeline.fit(X, y);
  return encodeArtifact({
    pipeline,
    inputSchema: inferSchema(X),
    spec: {
      name: file,
      task,
      objective: { business: "tests", kpi: "none" },
      metric: { primary: "accuracy" },
    } as never,
    dataFingerprint: `fixture:${file}`,
  }).bytes;
}

export const penguins = {
  logistic: () => artifactOf("penguins.csv", "species", new LogisticRegression({ c: 1 }), "multiclass"),
  tree: () =>
    artifactOf("penguins.csv", "species", new DecisionTreeClassifier({ maxDepth: 2 }), "multiclass"),
  /** Refuses unseen categories (OneHotEncoder unknown: "error"). */
  strict: () =>
    artifactOf("penguins.csv", "species", new LogisticRegression({ c: 1 }), "multiclass", strictPrep),
};
export const concrete = () =>
  artifactOf("concrete.csv", "compressive_strength", new LinearRegression(), "regression");

/** Registers the artifact as the next version of `name` and, when given, points `alias` at it. */
export async function register(
  store: Store,
  name: string,
  artifact: Uint8Array,
  alias?: string,
): Promise<number> {
  const v = await createModelVersion(store, { name, artifact, actor: "tester" });
  if (alias)
    await setAlias(store, { name, alias, version: v.version, actor: "tester", force: true, reason: "test" });
  return v.version;
}

export const penguin = {
  island: "Biscoe",
  bill_length_mm: 45.2,
  bill_depth_mm: 15.1,
  flipper_length_mm: 215,
  body_mass_g: 5300,
  sex: "male",
};
