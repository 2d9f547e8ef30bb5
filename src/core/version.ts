import { readFileSync } from "node:fs";

/** The package version, read once from package.json so artifacts and runs record what made them. */
export const mlshipVersion: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
