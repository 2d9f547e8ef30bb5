import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/core/fs.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "mlship-fs-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("replaces the whole file and leaves no temporary behind", () => {
    const d = tmp();
    const p = join(d, "a.txt");
    writeFileSync(p, "old");
    writeFileAtomic(p, "new content");
    expect(readFileSync(p, "utf8")).toBe("new content");
    expect(readdirSync(d)).toEqual(["a.txt"]);
  });

  it("keeps the old file intact when the write fails", () => {
    const d = tmp();
    const p = join(d, "a.txt");
    writeFileSync(p, "old");
    chmodSync(d, 0o500);
    try {
      // root ignores directory permissions; the failure then comes from a missing folder instead
      const target = process.getuid?.() === 0 ? join(d, "missing", "a.txt") : p;
      expect(() => writeFileAtomic(target, "new")).toThrow();
    } finally {
      chmodSync(d, 0o700);
    }
    expect(readFileSync(p, "utf8")).toBe("old");
    expect(existsSync(join(d, "missing"))).toBe(false);
    expect(readdirSync(d)).toEqual(["a.txt"]);
  });
});
