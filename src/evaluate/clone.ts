import type { Estimator } from "../core/protocol.js";
import { reviveEstimator } from "../core/protocol.js";

/** A fresh, unfitted estimator of the same kind with the same params (scikit-learn's `clone`). */
export function clone<E extends Estimator>(estimator: E): E {
  return reviveEstimator({ ...estimator.toJSON(), state: null }) as E;
}
