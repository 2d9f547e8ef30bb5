export * from "./train.js";
