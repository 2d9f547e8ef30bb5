/** Where a run came from: enough to reproduce it (commit, uncommitted changes, command, versions, seed). */
import { execFileSync } from "node:child_process";
import { hostname } from "node:os";
import { mlshipVersion } from "../core/version.js";
import type { RunSource } from "./types.js";

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
  } catch {
    // No git, or not a repository: the run is still worth recording without it.
    return null;
  }
}

/** The command line as a shell would take it back (arguments with spaces or quotes are quoted). */
function commandLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

export function captureSource(
  options: { seed?: number | null; cwd?: string; argv?: readonly string[] } = {},
): RunSource {
  const cwd = options.cwd ?? process.cwd();
  const gitCommit = git(["rev-parse", "HEAD"], cwd);
  const status = gitCommit === null ? null : git(["status", "--porcelain", "--untracked-files=no"], cwd);
  return {
    gitCommit,
    gitDirty: status === null ? null : status !== "",
    command: commandLine(options.argv ?? process.argv),
    mlshipVersion,
    nodeVersion: process.version,
    seed: options.seed ?? null,
    host: hostname(),
  };
}
