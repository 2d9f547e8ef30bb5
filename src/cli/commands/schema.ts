import type { Command } from "commander";
import { specJsonSchema } from "../../spec/index.js";
import { printJson } from "../output.js";

export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description("Print the JSON Schema of mlship.yaml (for editor completion and validation)")
    .action(() => {
      printJson(specJsonSchema());
    });
}
