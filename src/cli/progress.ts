/**
 * Progress for long work: a bar on an interactive terminal, one line per step otherwise (CI logs and
 * pipes stay readable). Always on stderr, so `--json` output on stdout stays clean.
 */
import cliProgress from "cli-progress";
import { say } from "./output.js";

export interface Progress {
  /** A milestone tick is also printed when there is no bar to draw (CI logs, pipes). */
  tick(detail?: string, milestone?: boolean): void;
  stop(): void;
}

export function startProgress(label: string, total: number, enabled = true): Progress {
  if (!enabled) return { tick() {}, stop() {} };
  if (!process.stderr.isTTY) {
    let done = 0;
    return {
      tick(detail, milestone = false) {
        done++;
        if (milestone) say(`  ${label} ${done}/${total}${detail ? `: ${detail}` : ""}`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${label} [{bar}] {value}/{total} {detail}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { detail: "" });
  return {
    tick(detail) {
      bar.increment(1, { detail: detail ?? "" });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Time a step and announce it, so a newcomer sees what the tool is doing and how long it took. */
export async function step<T>(label: string, fn: () => Promise<T> | T, quiet = false): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  if (!quiet) say(`  ${label} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  return out;
}
