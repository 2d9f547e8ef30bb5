/**
 * Steps applied in order (scikit-learn's Pipeline): every step but the last transforms, and the pipeline
 * is itself a transformer. When the last step is a model, the pipeline also is one: it gets `task`,
 * `predict` and `score` (and `predictProba` / `classes` for a classifier) as own properties, so
 * `isPredictor(pipeline)` / `isClassifier(pipeline)` tell the truth and a fitted pipeline can be
 * evaluated, saved and served as one estimator.
 */
import { MlshipError, NotFittedError } from "../core/errors.js";
import type { Column, Frame } from "../core/frame.js";
import {
  type Classifier,
  type Estimator,
  type EstimatorJSON,
  isClassifier,
  isPredictor,
  isTransformer,
  type Params,
  type Predictor,
  predictsJointly,
  registerKind,
  reviveEstimator,
  type Transformer,
} from "../core/protocol.js";

const KIND = "pipeline";

export interface PipelineParams extends Params {
  steps: Array<{ name: string; kind: string; params: Params }>;
}
export interface PipelineState {
  /** Each step's learned state. */
  steps: unknown[];
}

/**
 * A model that can predict on `step.transform(X)` without the step writing that frame out: for a linear
 * model after a scaler, the scaling is applied while the inputs are read, which saves allocating, writing
 * and reading back a whole copy of the batch. Returns undefined when it cannot for this step or this data;
 * otherwise the result must equal predicting on `step.transform(X)` exactly.
 */
export interface PredictsThrough {
  predictThrough(step: Transformer, X: Frame): Column | undefined;
  predictProbaThrough(step: Transformer, X: Frame): Float64Array | undefined;
}

function predictsThrough(e: Estimator): e is Estimator & PredictsThrough {
  const m = e as Partial<PredictsThrough>;
  return typeof m.predictThrough === "function" && typeof m.predictProbaThrough === "function";
}

export class Pipeline implements Transformer<PipelineParams> {
  readonly kind = KIND;
  readonly steps: ReadonlyArray<readonly [string, Estimator]>;
  declare readonly task?: Predictor["task"];
  declare readonly predict?: (X: Frame) => Column;
  declare readonly score?: (X: Frame, y?: Column) => number;
  declare readonly predictProba?: (X: Frame) => Float64Array;
  declare readonly classes?: readonly string[];

  constructor(steps: ReadonlyArray<readonly [string, Estimator]>) {
    if (steps.length === 0) {
      throw new MlshipError({ what: "a Pipeline needs at least one step", code: "E_PREP_PARAMS" });
    }
    const names = new Set<string>();
    steps.forEach(([name, e], i) => {
      if (names.has(name)) {
        throw new MlshipError({
          what: `Pipeline step name "${name}" is used twice`,
          fix: "give every step a unique name",
          code: "E_PREP_PARAMS",
        });
      }
      names.add(name);
      if (i < steps.length - 1 && !isTransformer(e)) {
        throw new MlshipError({
          what: `Pipeline step "${name}" (${e.kind}) is not a transformer, but only the last step may be a model`,
          fix: "move the model to the end of the pipeline",
          code: "E_PREP_PARAMS",
        });
      }
    });
    this.steps = steps.map(([n, e]) => [n, e] as const);
    const last = this.final;
    if (isPredictor(last)) {
      const own = (name: string, value: unknown) =>
        Object.defineProperty(this, name, { value, enumerable: true });
      own("task", last.task);
      own("predict", (X: Frame) =>
        this.#predictThrough(
          X,
          (m, step, Z) => m.predictThrough(step, Z),
          (Z) => last.predict(Z),
        ),
      );
      own("score", (X: Frame, y?: Column) => last.score(this.transformPrefix(X), y));
      if (isClassifier(last)) {
        own("predictProba", (X: Frame) =>
          this.#predictThrough(
            X,
            (m, step, Z) => m.predictProbaThrough(step, Z),
            (Z) => (last as Classifier).predictProba(Z),
          ),
        );
        Object.defineProperty(this, "classes", { get: () => (last as Classifier).classes, enumerable: true });
      }
    }
  }

  /** Steps by name. */
  get namedSteps(): Readonly<Record<string, Estimator>> {
    return Object.fromEntries(this.steps);
  }

  /** The last step (the model, when there is one). */
  get final(): Estimator {
    return this.steps[this.steps.length - 1][1];
  }

  get params(): PipelineParams {
    return { steps: this.steps.map(([name, e]) => ({ name, kind: e.kind, params: e.params })) };
  }

  get isFitted(): boolean {
    return this.steps.every(([, e]) => e.isFitted);
  }

  get state(): PipelineState {
    if (!this.isFitted) throw new NotFittedError(KIND);
    return { steps: this.steps.map(([, e]) => e.state) };
  }

  fit(X: Frame, y?: Column): this {
    this.final.fit(this.#fitPrefix(X, y), y);
    return this;
  }

  fitTransform(X: Frame, y?: Column): Frame {
    return this.#finalTransformer().fitTransform(this.#fitPrefix(X, y), y);
  }

  transform(X: Frame): Frame {
    return this.#finalTransformer().transform(this.transformPrefix(X));
  }

  /** The data as the last step sees it: transformed by every step but the last. */
  transformPrefix(X: Frame): Frame {
    if (!this.isFitted) throw new NotFittedError(KIND);
    let Z = X;
    for (let i = 0; i < this.steps.length - 1; i++) Z = (this.steps[i][1] as Transformer).transform(Z);
    return Z;
  }

  /**
   * Labels and probabilities of a classifier pipeline, transforming X once: the same values as `predict`
   * and `predictProba`, which would each run every preparation step.
   */
  predictWithProba(X: Frame): { labels: Column; proba: Float64Array } {
    if (!this.isFitted) throw new NotFittedError(KIND);
    const last = this.final;
    if (!isClassifier(last)) {
      throw new MlshipError({
        what: `Pipeline ends with ${last.kind}, which does not predict probabilities`,
        fix: "end the pipeline with a classifier",
        code: "E_PREP_NOT_CLASSIFIER",
      });
    }
    let Z = X;
    for (let i = 0; i < this.steps.length - 2; i++) Z = (this.steps[i][1] as Transformer).transform(Z);
    if (this.steps.length >= 2) {
      const step = this.steps[this.steps.length - 2][1] as Transformer;
      if (predictsThrough(last)) {
        const labels = last.predictThrough(step, Z);
        const proba = labels && last.predictProbaThrough(step, Z);
        if (labels && proba) return { labels, proba };
      }
      Z = step.transform(Z);
    }
    return predictsJointly(last)
      ? last.predictWithProba(Z)
      : { labels: last.predict(Z), proba: last.predictProba(Z) };
  }

  /** `plain` on the prefix's output, or the model's fused prediction through the step before it. */
  #predictThrough<T>(
    X: Frame,
    fused: (model: PredictsThrough, step: Transformer, Z: Frame) => T | undefined,
    plain: (Z: Frame) => T,
  ): T {
    if (!this.isFitted) throw new NotFittedError(KIND);
    const last = this.final;
    let Z = X;
    for (let i = 0; i < this.steps.length - 2; i++) Z = (this.steps[i][1] as Transformer).transform(Z);
    if (this.steps.length < 2) return plain(Z);
    const step = this.steps[this.steps.length - 2][1] as Transformer;
    return (predictsThrough(last) ? fused(last, step, Z) : undefined) ?? plain(step.transform(Z));
  }

  #fitPrefix(X: Frame, y?: Column): Frame {
    let Z = X;
    for (let i = 0; i < this.steps.length - 1; i++) Z = (this.steps[i][1] as Transformer).fitTransform(Z, y);
    return Z;
  }

  #finalTransformer(): Transformer {
    const last = this.final;
    if (!isTransformer(last)) {
      throw new MlshipError({
        what: `Pipeline ends with ${last.kind}, a model, so it cannot transform`,
        fix: "use predict(), or transformPrefix() for the prepared features",
        code: "E_PREP_NOT_TRANSFORMER",
      });
    }
    return last;
  }

  toJSON(): EstimatorJSON<PipelineParams> {
    return {
      kind: KIND,
      params: this.params,
      state: this.isFitted ? { steps: this.steps.map(([, e]) => e.toJSON().state) } : null,
    };
  }

  static fromJSON(json: EstimatorJSON): Pipeline {
    const p = json.params as PipelineParams;
    const s = json.state as PipelineState | null;
    return new Pipeline(
      p.steps.map(
        (st, i) =>
          [
            st.name,
            reviveEstimator({ kind: st.kind, params: st.params, state: s?.steps[i] ?? null }),
          ] as const,
      ),
    );
  }
}

registerKind(KIND, Pipeline.fromJSON);
