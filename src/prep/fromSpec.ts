/**
 * Builds the preparation from the spec's `prep` list: one Pipeline step per list entry, each a
 * ColumnTransformer that applies the step to its selected columns and passes the other columns through
 * (after the step's outputs, as ColumnTransformer orders them). `columns` omitted selects what the step
 * accepts: numeric columns for scalers, the clipper and mean/median imputation, categorical ones for the
 * encoders, every column for most-frequent/constant imputation.
 */
import { MlshipError } from "../core/errors.js";
import type { Transformer } from "../core/protocol.js";
import type { StepSpec } from "../spec/schema.js";
import { ColumnTransformer, type Selector } from "./columnTransformer.js";
import { OneHotEncoder } from "./oneHotEncoder.js";
import { OrdinalEncoder } from "./ordinalEncoder.js";
import { OutlierClipper } from "./outlierClipper.js";
import { Pipeline } from "./pipeline.js";
import { MinMaxScaler, RobustScaler, StandardScaler } from "./scalers.js";
import { SimpleImputer } from "./simpleImputer.js";

type Build = (params: Record<string, unknown>) => { transformer: Transformer; columns: Selector };

const BUILDERS: Record<string, Build> = {
  simpleImputer: (p) => {
    const t = new SimpleImputer(p);
    return {
      transformer: t,
      columns: t.params.strategy === "mean" || t.params.strategy === "median" ? "numeric" : "all",
    };
  },
  standardScaler: (p) => ({ transformer: new StandardScaler(p), columns: "numeric" }),
  minMaxScaler: (p) => ({ transformer: new MinMaxScaler(p), columns: "numeric" }),
  robustScaler: (p) => ({ transformer: new RobustScaler(p), columns: "numeric" }),
  outlierClipper: (p) => ({ transformer: new OutlierClipper(p), columns: "numeric" }),
  oneHotEncoder: (p) => ({ transformer: new OneHotEncoder(p), columns: "categorical" }),
  ordinalEncoder: (p) => ({ transformer: new OrdinalEncoder(p), columns: "categorical" }),
};

/** The step kinds a spec may name. */
export const prepKinds: readonly string[] = Object.keys(BUILDERS);

export function prepFromSpec(steps: readonly StepSpec[]): Pipeline {
  const built = steps.map((step, i): readonly [string, Transformer] => {
    const build = BUILDERS[step.kind];
    if (!build) {
      throw new MlshipError({
        what: `prep step ${i} has unknown kind "${step.kind}"`,
        where: `prep[${i}].kind`,
        fix: `use one of: ${prepKinds.join(", ")}`,
        code: "E_PREP_UNKNOWN_KIND",
      });
    }
    let made: ReturnType<Build>;
    try {
      made = build(step.params ?? {});
    } catch (e) {
      if (!(e instanceof MlshipError)) throw e;
      throw new MlshipError(
        {
          what: `prep step ${i} (${step.kind}): ${e.what}`,
          where: `prep[${i}].params`,
          fix: e.fix,
          code: e.code,
        },
        { cause: e },
      );
    }
    const ct = new ColumnTransformer([[step.kind, made.transformer, step.columns ?? made.columns]], {
      remainder: "passthrough",
    });
    return [`${i}-${step.kind}`, ct];
  });
  if (built.length === 0)
    return new Pipeline([["identity", new ColumnTransformer([], { remainder: "passthrough" })]]);
  return new Pipeline(built);
}
