export { GaussianNB, type GaussianNBParams, type GaussianNBState } from "./gaussianNB.js";
