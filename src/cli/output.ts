/**
 * Terminal output. Human text goes to stderr so that stdout carries only what a script asked for
 * (`--json`), and colour is used only on a TTY that has not opted out (NO_COLOR).
 */
import { MlshipError } from "../core/errors.js";

const useColor = process.stderr.isTTY === true && !process.env.NO_COLOR;
const paint = (code: number) => (s: string) => (useColor ? `\u001b[${code}m${s}\u001b[0m` : s);
export const bold = paint(1);
export const dim = paint(2);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);
export const cyan = paint(36);

export function say(line = ""): void {
  process.stderr.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A fixed-width table for terminal output. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, j) => c.padEnd(widths[j]))
      .join("  ")
      .trimEnd();
  return [bold(line(headers)), ...cells.slice(1).map(line)].join("\n");
}

export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "-";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : x.toFixed(digits);
}

/**
 * The one place errors reach the user: an MlshipError prints its what/where/fix; anything else is a bug
 * in mlship, reported in one line with a way to get the stack (MLSHIP_DEBUG=1) rather than the stack.
 */
export function reportError(err: unknown, json: boolean): number {
  const debug = Boolean(process.env.MLSHIP_DEBUG);
  if (err instanceof MlshipError) {
    if (json) printJson({ error: err.toJSON() });
    say(`${red("error:")} ${err.what}`);
    if (err.where) say(`  ${dim("where:")} ${err.where}`);
    if (err.fix) say(`  ${dim("fix:")}   ${err.fix}`);
    if (err.detail && !json) say(`\n${err.detail}`);
    if (debug && err.stack) say(err.stack);
    // Bad arguments exit 2 like commander's own usage errors; everything else a user can cause exits 1.
    return err.code === "E_USAGE" ? 2 : 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (json) printJson({ error: { code: "E_INTERNAL", what: message } });
  say(`${red("internal error:")} ${message}`);
  say(
    debug && err instanceof Error && err.stack
      ? err.stack
      : dim("  (this is a bug in mlship; set MLSHIP_DEBUG=1 for details)"),
  );
  return 70;
}
