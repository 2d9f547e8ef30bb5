/**
 * What every single-step transformer shares: zod-validated params with defaults, the fitted/unfitted
 * state machine, and JSON (de)serialisation of learned state. Subclasses supply `learn` and `transform`.
 */
import type { z } from "zod";
import { MlshipError, NotFittedError } from "../core/errors.js";
import type { Column, Frame } from "../core/frame.js";
import type { EstimatorJSON, Params, Transformer } from "../core/protocol.js";
import { encodeNumbers } from "./json.js";

export abstract class BaseTransformer<P extends Params, S> implements Transformer<P> {
  abstract readonly kind: string;
  readonly params: Readonly<P>;
  #state: S | null;

  protected constructor(params: P, state: S | null) {
    this.params = Object.freeze(params);
    this.#state = state;
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): S {
    if (this.#state === null) throw new NotFittedError(this.kind);
    return this.#state;
  }

  fit(X: Frame, _y?: Column): this {
    this.#state = this.learn(X);
    return this;
  }

  fitTransform(X: Frame, y?: Column): Frame {
    return this.fit(X, y).transform(X);
  }

  protected abstract learn(X: Frame): S;
  abstract transform(X: Frame): Frame;

  toJSON(): EstimatorJSON<P> {
    return {
      kind: this.kind,
      params: { ...this.params },
      state: this.#state === null ? null : encodeNumbers(this.#state),
    };
  }
}

/**
 * Validates user params against a transformer's zod schema; the error lists every problem and every
 * valid param so a spec author can fix the step without reading code.
 */
export function parseParams<T extends z.ZodType>(
  kind: string,
  schema: T,
  raw: unknown,
  where?: string,
): z.output<T> {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) =>
    i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message,
  );
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  throw new MlshipError({
    what: `invalid params for ${kind}: ${problems.join("; ")}`,
    where: where ?? kind,
    fix: shape ? `valid params for ${kind}: ${Object.keys(shape).join(", ")}` : undefined,
    code: "E_PREP_PARAMS",
  });
}
