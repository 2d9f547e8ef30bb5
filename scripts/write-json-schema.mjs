// Writes schema/mlship.schema.json from the zod spec schema, formatted the way `biome check` wants it.
// Run after a build:  npm run build && node scripts/write-json-schema.mjs
// test/spec/jsonSchema.test.ts fails whenever the committed file differs from a fresh generation.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { specJsonSchemaPath, specJsonSchemaText } from "../dist/spec/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = fileURLToPath(new URL(`../${specJsonSchemaPath}`, import.meta.url));
writeFileSync(out, specJsonSchemaText());
execFileSync(
  fileURLToPath(new URL("../node_modules/.bin/biome", import.meta.url)),
  ["format", "--write", out],
  {
    cwd: root,
    stdio: "inherit",
  },
);
process.stderr.write(`wrote ${specJsonSchemaPath}\n`);
