import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const binPath = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function requireBuild(): void {
  if (!existsSync(binPath)) throw new Error(`${binPath} does not exist: run npm run build first`);
}

/** Runs the built CLI synchronously in `cwd`. */
export function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): RunResult {
  requireBuild();
  const r = spawnSync(process.execPath, [binPath, ...args], { cwd, env, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Asynchronous variant, needed when the test process itself must keep serving (e.g. an HTTP server). */
export function runAsync(args: string[], cwd: string): Promise<RunResult> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const stackLine = /^\s+at .+\(.*:\d+:\d+\)$/m;

/** A user error: exit 1, `error:` + `fix:` on stderr, no stack trace. */
export function expectCleanError(r: RunResult): string {
  if (r.status !== 1)
    throw new Error(`expected exit 1, got ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  if (!/^error: /m.test(r.stderr)) throw new Error(`no "error:" line in stderr:\n${r.stderr}`);
  if (!/^\s*fix: /m.test(r.stderr)) throw new Error(`no "fix:" line in stderr:\n${r.stderr}`);
  if (stackLine.test(r.stderr) || r.stderr.includes("node:internal")) {
    throw new Error(`stack trace in stderr:\n${r.stderr}`);
  }
  return r.stderr;
}
