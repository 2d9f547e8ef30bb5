/**
 * Growing the trees of a forest: shared by the main thread and the worker threads, so a tree depends only
 * on its seed and comes out the same wherever it is grown.
 */
import { Random } from "../../core/random.js";
import { type BinnedTrainData, growBinnedTree } from "../tree/binned-cart.js";
import {
  type GrowOptions,
  growTree,
  type PackedTree,
  packTree,
  type TrainData,
  type TreeArrays,
  treeFeatureImportances,
} from "../tree/cart.js";

export interface ForestJob {
  /** The exact splitter's data (float32 values and ranks), or the binned splitter's. */
  data: TrainData | BinnedTrainData;
  opts: GrowOptions;
  bootstrap: boolean;
  /** Rows drawn (with replacement) per tree when bootstrapping. */
  nBootstrap: number;
}

/** How often each row is drawn into the tree's bootstrap sample (null = every row once). */
export function bootstrapWeights(
  seed: number,
  nRows: number,
  job: Pick<ForestJob, "bootstrap" | "nBootstrap">,
) {
  const rng = new Random(seed);
  if (!job.bootstrap) return { weights: null, rng };
  const weights = new Float64Array(nRows);
  for (let k = 0; k < job.nBootstrap; k++) weights[rng.int(nRows)]++;
  return { weights, rng };
}

/**
 * A grown tree with what the forest derives from each tree, made by the thread that grew it so that it
 * runs in parallel rather than after the trees, on the main thread alone: the prediction layout
 * (classifiers' leaves as class shares) and the impurity importances (null for a lone leaf, which the
 * forest's mean leaves out).
 */
export interface GrownTree {
  tree: TreeArrays;
  packed: PackedTree;
  importances: Float64Array | null;
}

export function growForestTree(job: ForestJob, seed: number): GrownTree {
  const { weights, rng } = bootstrapWeights(seed, job.data.nRows, job);
  const tree =
    "bins" in job.data
      ? growBinnedTree(job.data, job.opts, weights, rng.nextUint32())
      : growTree(job.data, job.opts, weights, rng.nextUint32());
  return {
    tree,
    packed: packTree(tree, job.data.yClass !== null),
    importances: tree.nodeCount > 1 ? treeFeatureImportances(tree, job.data.nFeatures) : null,
  };
}
