import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const src = join(root, "src");

/** The order documented in docs/ARCHITECTURE.md, read from the table so the doc is the source of truth. */
function documentedLayers(): string[] {
  const doc = readFileSync(join(root, "docs/ARCHITECTURE.md"), "utf8");
  const rows = [...doc.matchAll(/^\|\s*(\d+)\s*\|\s*`([a-z]+)`\s*\|/gm)];
  return rows.sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => m[2]);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|js|mjs)$/.test(name) ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [
    ...text.matchAll(/(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']/g),
    ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g),
    ...text.matchAll(/new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g),
  ].map((m) => m[1]);
  return specs.filter((s) => s.startsWith("."));
}

function layerOf(base: string, file: string): string | null {
  const rel = relative(base, file).split(/[\\/]/);
  return rel.length > 1 ? rel[0] : null;
}

function layerViolations(base: string, layers: string[]): string[] {
  const violations: string[] = [];
  for (const file of sourceFiles(base)) {
    const from = layerOf(base, file);
    if (from === null) continue; // src/index.ts is the entry point and may import any layer
    for (const spec of importsOf(file)) {
      const target = layerOf(base, resolve(file, "..", spec));
      if (target === null) {
        violations.push(`${relative(base, file)} imports the entry point (${spec})`);
      } else if (layers.indexOf(target) > layers.indexOf(from)) {
        violations.push(`${relative(base, file)} (${from}) imports ${spec} (${target}, a later layer)`);
      }
    }
  }
  return violations;
}

describe("layering", () => {
  const layers = documentedLayers();

  it("documents the lifecycle layers in order", () => {
    expect(layers.slice(0, 3)).toEqual(["core", "spec", "data"]);
    expect(layers).toContain("cli");
    expect(layers.indexOf("models")).toBeLessThan(layers.indexOf("evaluate"));
  });

  it("every folder in src/ is a documented layer", () => {
    const folders = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory());
    const unknown = folders.filter((f) => !layers.includes(f));
    expect(unknown, "add these folders to docs/ARCHITECTURE.md").toEqual([]);
  });

  it("no module imports a later layer", () => {
    expect(layerViolations(src, layers)).toEqual([]);
  });

  it("the checker catches a planted violation", () => {
    const tmp = mkdtempSync(join(tmpdir(), "mlship-layers-"));
    try {
      mkdirSync(join(tmp, "core"));
      mkdirSync(join(tmp, "cli"));
      writeFileSync(join(tmp, "cli", "main.ts"), 'import { Frame } from "../core/frame.js";\n');
      writeFileSync(
        join(tmp, "core", "frame.ts"),
        'import { run } from "../cli/main.js";\nexport const x = 1;\n',
      );
      expect(layerViolations(tmp, layers)).toEqual([
        "core/frame.ts (core) imports ../cli/main.js (cli, a later layer)",
      ]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
