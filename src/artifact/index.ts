export * from "./artifact.js";
