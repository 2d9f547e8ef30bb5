import type { Command } from "commander";
import type { ColumnSchema } from "../../data/schema.js";
import { bold, formatNumber, printJson, say, table } from "../output.js";
import { collectProject, loadProject } from "../project.js";

function range(c: ColumnSchema): string {
  if (c.levels) {
    const shown = c.levels.slice(0, 4).join(", ");
    return c.levels.length > 4 ? `${shown}, … (${c.levels.length})` : shown;
  }
  if (c.min === undefined || c.min === null) return "";
  if (c.type === "datetime")
    return `${new Date(c.min).toISOString()} .. ${new Date(c.max ?? c.min).toISOString()}`;
  return `${formatNumber(c.min)} .. ${formatNumber(c.max ?? null)}`;
}

export function registerProfile(program: Command): void {
  program
    .command("profile")
    .description(
      "Collect the spec's data and show its schema: types, missing shares, distinct counts, ranges",
    )
    .option("-s, --spec <file>", "the spec file", "mlship.yaml")
    .option("--json", "print schema, fingerprint and sources as JSON on stdout")
    .action(async (opts: { spec: string; json?: boolean }) => {
      const project = loadProject(opts.spec);
      const dataset = await collectProject(project);
      if (opts.json) {
        printJson({ sources: dataset.sources, fingerprint: dataset.fingerprint, schema: dataset.schema });
        return;
      }
      say(
        bold(`${project.spec.name}: ${dataset.schema.nRows} rows x ${dataset.schema.columns.length} columns`),
      );
      for (const s of dataset.sources) say(`  source: ${s}`);
      say(`  fingerprint: sha256:${dataset.fingerprint}`);
      say();
      say(
        table(
          ["column", "type", "missing", "distinct", "range / levels"],
          dataset.schema.columns.map((c) => [
            c.name + (c.name === project.spec.target ? " (target)" : ""),
            c.type,
            c.missingShare > 0 ? `${(c.missingShare * 100).toFixed(2)}%` : "",
            c.distinctCount,
            range(c),
          ]),
        ),
      );
    });
}
