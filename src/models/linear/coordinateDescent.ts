/**
 * Elastic-net coordinate descent, the same algorithm as scikit-learn's `enet_coordinate_descent`:
 * minimise ½‖y − Xw‖² + l1‖w‖₁ + ½ l2‖w‖² (callers scale l1/l2 by n), cycling (or sampling) coordinates
 * with soft-thresholding, and stopping on the duality gap once the largest coordinate step is small
 * relative to the largest weight. Same updates, same order and same stopping rule give the same iterate.
 */
import type { Random } from "../../core/random.js";

export interface CdResult {
  w: Float64Array;
  gap: number;
  /** The gap tolerance actually used: tol * yᵀy. */
  tol: number;
  nIter: number;
  converged: boolean;
}

/** X column-major n x p (centred when fitting an intercept), y of length n. */
export function enetCoordinateDescent(
  X: Float64Array,
  n: number,
  p: number,
  y: Float64Array,
  l1: number,
  l2: number,
  maxIter: number,
  tol: number,
  rng: Random | null,
): CdResult {
  const w = new Float64Array(p);
  const colNorm2 = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = j * n, end = i + n; i < end; i++) s += X[i] * X[i];
    colNorm2[j] = s;
  }
  const R = Float64Array.from(y);
  let yy = 0;
  for (let i = 0; i < n; i++) yy += y[i] * y[i];
  const stepTol = tol;
  const gapTol = tol * yy;
  let gap = gapTol + 1;
  let nIter = 0;
  let converged = false;
  for (; nIter < maxIter; nIter++) {
    let wMax = 0;
    let dwMax = 0;
    for (let f = 0; f < p; f++) {
      const j = rng ? rng.int(p) : f;
      if (colNorm2[j] === 0) continue;
      const c = j * n;
      const wOld = w[j];
      if (wOld !== 0) for (let i = 0; i < n; i++) R[i] += wOld * X[c + i];
      let t = 0;
      for (let i = 0; i < n; i++) t += X[c + i] * R[i];
      const wNew = (Math.sign(t) * Math.max(Math.abs(t) - l1, 0)) / (colNorm2[j] + l2);
      w[j] = wNew;
      if (wNew !== 0) for (let i = 0; i < n; i++) R[i] -= wNew * X[c + i];
      dwMax = Math.max(dwMax, Math.abs(wNew - wOld));
      wMax = Math.max(wMax, Math.abs(wNew));
    }
    if (wMax === 0 || dwMax / wMax < stepTol || nIter === maxIter - 1) {
      gap = dualityGap(X, n, p, y, R, w, l1, l2);
      if (gap < gapTol) {
        converged = true;
        nIter++;
        break;
      }
    }
  }
  return { w, gap, tol: gapTol, nIter, converged };
}

function dualityGap(
  X: Float64Array,
  n: number,
  p: number,
  y: Float64Array,
  R: Float64Array,
  w: Float64Array,
  l1: number,
  l2: number,
): number {
  let dualNorm = 0;
  let wNorm2 = 0;
  let wL1 = 0;
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0, c = j * n; i < n; i++) s += X[c + i] * R[i];
    dualNorm = Math.max(dualNorm, Math.abs(s - l2 * w[j]));
    wNorm2 += w[j] * w[j];
    wL1 += Math.abs(w[j]);
  }
  let rNorm2 = 0;
  let ry = 0;
  for (let i = 0; i < n; i++) {
    rNorm2 += R[i] * R[i];
    ry += R[i] * y[i];
  }
  // Scale the residual into the dual feasible set when it is outside it.
  let scale = 1;
  let gap = rNorm2;
  if (dualNorm > l1) {
    scale = l1 / dualNorm;
    gap = 0.5 * (rNorm2 + rNorm2 * scale * scale);
  }
  return gap + l1 * wL1 - scale * ry + 0.5 * l2 * (1 + scale * scale) * wNorm2;
}
