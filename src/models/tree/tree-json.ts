/** Fitted trees to and from plain JSON data (typed arrays become number arrays; doubles round-trip exactly). */
import { MlshipError } from "../../core/errors.js";
import type { TreeArrays } from "./cart.js";

export interface TreeJSON {
  nodeCount: number;
  maxDepth: number;
  nOutputs: number;
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  nNodeSamples: number[];
  weightedNNodeSamples: number[];
  impurity: number[];
  value: number[];
}

export function treeToJSON(t: TreeArrays): TreeJSON {
  return {
    nodeCount: t.nodeCount,
    maxDepth: t.maxDepth,
    nOutputs: t.nOutputs,
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    left: Array.from(t.left),
    right: Array.from(t.right),
    nNodeSamples: Array.from(t.nNodeSamples),
    weightedNNodeSamples: Array.from(t.weightedNNodeSamples),
    impurity: Array.from(t.impurity),
    value: Array.from(t.value),
  };
}

export function treeFromJSON(j: TreeJSON, kind: string): TreeArrays {
  const c = j.nodeCount;
  const ok =
    Number.isInteger(c) &&
    c >= 1 &&
    [j.feature, j.threshold, j.left, j.right, j.nNodeSamples, j.weightedNNodeSamples, j.impurity].every(
      (a) => Array.isArray(a) && a.length === c,
    ) &&
    Array.isArray(j.value) &&
    j.value.length === c * j.nOutputs;
  if (!ok) corrupt(kind);
  const tree: TreeArrays = {
    nodeCount: c,
    maxDepth: j.maxDepth,
    nOutputs: j.nOutputs,
    feature: Int32Array.from(j.feature),
    threshold: Float64Array.from(j.threshold),
    left: Int32Array.from(j.left),
    right: Int32Array.from(j.right),
    nNodeSamples: Int32Array.from(j.nNodeSamples),
    weightedNNodeSamples: Float64Array.from(j.weightedNNodeSamples),
    impurity: Float64Array.from(j.impurity),
    value: Float64Array.from(j.value),
  };
  // Children must point forward (preorder numbering), so prediction walks always terminate.
  for (let k = 0; k < c; k++) {
    const l = tree.left[k];
    const r = tree.right[k];
    if (l === -1 && r === -1) continue;
    if (!(l > k && l < c && r > k && r < c)) corrupt(kind);
  }
  return tree;
}

function corrupt(kind: string): never {
  throw new MlshipError({
    what: `${kind}: the saved tree arrays are inconsistent`,
    fix: "re-fit the model and save it again; the file was edited or truncated",
    code: "E_MODEL_STATE",
  });
}
