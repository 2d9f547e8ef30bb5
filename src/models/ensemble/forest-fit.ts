/**
 * Growing the trees of a forest: shared by the main thread and the worker threads, so a tree depends only
 * on its seed and comes out the same wherever it is grown.
 */
import { Random } from "../../core/random.js";
import { type BinnedTrainData, growBinnedTree } from "../tree/binned-cart.js";
import { type GrowOptions, growTree, type TrainData, type TreeArrays } from "../tree/cart.js";

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

export function growForestTree(job: ForestJob, seed: number): TreeArrays {
  const { weights, rng } = bootstrapWeights(seed, job.data.nRows, job);
  return "bins" in job.data
    ? growBinnedTree(job.data, job.opts, weights, rng.nextUint32())
    : growTree(job.data, job.opts, weights, rng.nextUint32());
}
