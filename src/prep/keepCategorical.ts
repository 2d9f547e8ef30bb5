/**
 * Categorical columns passed on as they are, for models that split on categories natively (histogram
 * gradient boosting): the fitted step records which columns it passes, so predicting checks that they are
 * there and still categorical. Levels are kept as labels; the model matches them by name.
 */
import { z } from "zod";
import { Frame } from "../core/frame.js";
import { type EstimatorJSON, registerKind } from "../core/protocol.js";
import { BaseTransformer, parseParams } from "./base.js";
import { acceptedColumns, fittedColumn } from "./columns.js";

const KIND = "keepCategorical";

export const keepCategoricalParams = z.object({}).strict();
export type KeepCategoricalParams = z.output<typeof keepCategoricalParams>;
export interface KeepCategoricalState {
  columns: string[];
}

export class KeepCategorical extends BaseTransformer<KeepCategoricalParams, KeepCategoricalState> {
  readonly kind = KIND;

  constructor(params: z.input<typeof keepCategoricalParams> = {}, state: KeepCategoricalState | null = null) {
    super(parseParams(KIND, keepCategoricalParams, params), state);
  }

  protected learn(X: Frame): KeepCategoricalState {
    return { columns: acceptedColumns(X, KIND, ["categorical"], "pass only categorical columns") };
  }

  transform(X: Frame): Frame {
    const { columns } = this.state;
    return Frame.of(
      columns,
      columns.map((name) => fittedColumn(X, KIND, name, "categorical")),
      X.nRows,
    );
  }

  static fromJSON(json: EstimatorJSON): KeepCategorical {
    return new KeepCategorical(
      json.params as KeepCategoricalParams,
      json.state as KeepCategoricalState | null,
    );
  }
}

registerKind(KIND, KeepCategorical.fromJSON);
