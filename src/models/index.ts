// Importing this module registers every model kind, so artifacts naming them can be revived.

export * from "./boosting/index.js";
export * from "./catalog.js";
export * from "./cluster/index.js";
export * from "./dummy/index.js";
export * from "./ensemble/index.js";
export * from "./hist/index.js";
export * from "./linear/index.js";
export * from "./naive-bayes/index.js";
export * from "./neighbors/index.js";
export * from "./tree/index.js";
