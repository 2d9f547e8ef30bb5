import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const binPath = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (`node dist/cli/bin.js ...args`) in `cwd`. Asynchronous so that tests can run
 * concurrently and the test process can keep serving (the HTTP timeout case needs a live server).
 */
export function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  if (!existsSync(binPath)) throw new Error(`${binPath} does not exist: run npm run build first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", MLSHIP_DEBUG: "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const stackLine = /^\s+at .+:\d+:\d+\)?$/m;

/** Neither a stack frame nor Node's internals may reach the user. */
export function expectNoStack(r: RunResult): void {
  expect(r.stderr, "stack trace in stderr").not.toMatch(stackLine);
  expect(r.stderr).not.toContain("node:internal");
  expect(r.stdout).not.toMatch(stackLine);
}

/**
 * A user error: the given exit code and exactly one `error:` line with `fix:` (and `where:` unless the
 * error is about the command line itself) on stderr, no stack trace. Returns stderr for further checks.
 */
export function expectUserError(r: RunResult, opts: { exit?: number; where?: boolean } = {}): string {
  const ctx = `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  expect(r.status, ctx).toBe(opts.exit ?? 1);
  expect(r.stderr.match(/^error: /gm), ctx).toHaveLength(1);
  expect(r.stderr, ctx).toMatch(/^\s+fix: +\S/m);
  if (opts.where ?? true) expect(r.stderr, ctx).toMatch(/^\s+where: +\S/m);
  expectNoStack(r);
  return r.stderr;
}
