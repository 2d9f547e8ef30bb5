/** The tune layer: search spaces, the grid, random and TPE samplers, the median pruner, studies, and tuning from a spec. */

export * from "./cv.js";
export * from "./folds.js";
export * from "./normal.js";
export * from "./parzen.js";
export * from "./pruner.js";
export * from "./samplers.js";
export * from "./space.js";
export * from "./study.js";
export * from "./train.js";
