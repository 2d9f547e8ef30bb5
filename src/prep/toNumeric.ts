/**
 * Boolean columns to numeric 1/0 and datetime columns to numeric epoch milliseconds (missing stays NaN),
 * so models that need numbers can use them. Categorical columns need an encoder instead.
 */
import { z } from "zod";
import { type Column, Frame, namesFor, numeric } from "../core/frame.js";
import { type EstimatorJSON, registerKind } from "../core/protocol.js";
import { BaseTransformer, parseParams } from "./base.js";
import { acceptedColumns, booleanAsFloat, fittedColumn } from "./columns.js";

const KIND = "toNumeric";

export const toNumericParams = z.object({}).strict();
export type ToNumericParams = z.output<typeof toNumericParams>;
export interface ToNumericState {
  columns: Array<{ name: string; type: "numeric" | "boolean" | "datetime" }>;
}

export class ToNumeric extends BaseTransformer<ToNumericParams, ToNumericState> {
  readonly kind = KIND;

  constructor(params: z.input<typeof toNumericParams> = {}, state: ToNumericState | null = null) {
    super(parseParams(KIND, toNumericParams, params), state);
  }

  protected learn(X: Frame): ToNumericState {
    const names = acceptedColumns(
      X,
      KIND,
      ["numeric", "boolean", "datetime"],
      "encode categorical columns instead",
    );
    return {
      columns: names.map((name) => ({
        name,
        type: X.column(name).type as "numeric" | "boolean" | "datetime",
      })),
    };
  }

  transform(X: Frame): Frame {
    const { columns } = this.state;
    const out: Column[] = columns.map(({ name, type }) => {
      const c = fittedColumn(X, KIND, name, type);
      return c.type === "numeric"
        ? c
        : numeric(c.type === "datetime" ? c.values.slice() : booleanAsFloat(c.values));
    });
    return Frame.of(
      namesFor(this.state, () => columns.map((c) => c.name)),
      out,
      X.nRows,
    );
  }

  static fromJSON(json: EstimatorJSON): ToNumeric {
    return new ToNumeric(json.params as ToNumericParams, json.state as ToNumericState | null);
  }
}

registerKind(KIND, ToNumeric.fromJSON);
