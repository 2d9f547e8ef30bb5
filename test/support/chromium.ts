/**
 * Real headless Chromium for pages the tests must see rendered (Debian's `chromium`, installed by
 * .ci/run; MLSHIP_CHROMIUM names another binary). Every run gets a fresh profile folder and none of
 * the browser's own network traffic (updates, sync, component downloads).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function binary(): string {
  const candidates = [
    process.env.MLSHIP_CHROMIUM,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ];
  const found = candidates.find((c): c is string => c !== undefined && c !== "" && existsSync(c));
  if (!found) throw new Error("Chromium is not installed: apt-get install -y chromium (see .ci/run)");
  return found;
}

function runChromium(args: string[]): Promise<{ stdout: string; stderr: string; status: number | null }> {
  const profile = mkdtempSync(join(tmpdir(), "mlship-chromium-"));
  const child = spawn(binary(), [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    `--user-data-dir=${profile}`,
    ...args,
  ]);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
      resolve({ stdout, stderr, status });
    });
  });
}

/** The DOM Chromium built from the page at `url` (after parsing and layout), serialised. */
export async function dumpDom(url: string): Promise<string> {
  const r = await runChromium(["--dump-dom", url]);
  if (r.status !== 0 || r.stdout === "")
    throw new Error(`chromium --dump-dom failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A PNG screenshot of the page at `url`, `width` x `height` CSS pixels. */
export async function screenshot(url: string, width: number, height: number): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "mlship-shot-"));
  const file = join(dir, "page.png");
  try {
    const r = await runChromium([`--window-size=${width},${height}`, `--screenshot=${file}`, url]);
    if (!existsSync(file)) throw new Error(`chromium --screenshot failed (${r.status}): ${r.stderr}`);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
