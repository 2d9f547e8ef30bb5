export * from "./against.js";
export * from "./charts.js";
export * from "./check.js";
export * from "./dataset.js";
export {
  categoricalSample,
  columnSample,
  compareSamples,
  type DriftOptions,
  type DriftReport,
  type DriftSample,
  type DriftTest,
  defaultTest,
  detectDrift,
  detectDriftSamples,
  driftTests,
  type FeatureDrift,
  type FeatureOptions,
  numericSample,
  type SamplePair,
  summariseDrift,
} from "./drift.js";
export * from "./events.js";
export * from "./html.js";
export * from "./intervals.js";
export { type KsPValue, kolmogorovSf, ks2SampPValue, smirnov } from "./kolmogorov.js";
export * from "./loop.js";
export * from "./performance.js";
export * from "./profile.js";
export * from "./recent.js";
export * from "./report.js";
export * from "./service.js";
export { sortedFinite } from "./sort.js";
export { chi2Sf, gammaQ, logGamma } from "./special.js";
export {
  chi2Contingency,
  jensenShannonDistance,
  klDivergence,
  ks2Samp,
  populationStd,
  psi,
  wassersteinDistance,
  wassersteinNormed,
} from "./stats.js";
export * from "./traffic.js";
export * from "./training.js";
export * from "./webhook.js";
export * from "./window.js";
