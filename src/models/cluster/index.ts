export { KMeans, type KMeansParams, type KMeansState } from "./kMeans.js";
