/**
 * What the prediction routes tell the rest of the server after scoring: the prediction log records
 * every row, the metrics count them. Observers run before the answer is sent, so one that cannot take
 * the prediction (a full log queue) refuses the request instead of letting it go unrecorded.
 */
import type { Frame } from "../../core/frame.js";
import type { LoadedModel } from "./models.js";

export type PredictEndpoint = "predict" | "invocations" | "batch";

export interface PredictionEvent {
  requestId: string;
  endpoint: PredictEndpoint;
  model: LoadedModel;
  /** The alias the request named (or champion), absent when it named a version. */
  alias?: string;
  /** Why the fallback alias answered instead of the champion. */
  fallback?: string;
  /** The rows scored, as the client sent them (a batch reports one event per chunk). */
  records: readonly Record<string, unknown>[];
  /** The same rows as JSON text, when the endpoint can write it more cheaply than JSON.stringify (CSV). */
  recordsJson?: () => string[];
  /** 0-based index of records[0] within the request (non-zero for later chunks of a batch). */
  firstRow: number;
  /** The model's output for these rows: `prediction`, and `proba_<class>` per class for classifiers. */
  output: Frame;
  /** Time spent validating and scoring these rows. */
  latencyMs: number;
  /** Epoch milliseconds when the request arrived. */
  receivedAt: number;
}

export interface PredictObserver {
  /** Throwing an MlshipError refuses the request with that error's status (e.g. 503 when the log is full). */
  scored(event: PredictionEvent): void;
  /**
   * Resolves once `scored` can take this many rows. A streamed batch, whose 200 has gone out and can
   * no longer be refused, awaits it before reporting each later chunk (backpressure instead of a 503).
   */
  ready?(rows: number): Promise<void>;
}
