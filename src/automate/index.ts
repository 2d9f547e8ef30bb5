export * from "./compare.js";
export * from "./labelled.js";
export * from "./paired.js";
export * from "./state.js";
export * from "./train.js";
