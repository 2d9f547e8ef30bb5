import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import { openStore, type Store } from "../../src/store/index.js";

const made: string[] = [];
const opened: Store[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlship-track-"));
  made.push(dir);
  return dir;
}

export async function freshStore(path = join(tempDir(), "store.db")): Promise<Store> {
  const s = await openStore(path);
  opened.push(s);
  return s;
}

/** For each file's afterEach/afterAll: closes the stores and deletes the folders the tests made. */
export async function cleanUp(): Promise<void> {
  for (const s of opened.splice(0)) await s.close();
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The MlshipError a promise (or function) rejects with; fails the test when it does not. */
export async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<MlshipError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(MlshipError);
    return err as MlshipError;
  }
  throw new Error("expected an MlshipError");
}

/** The compiled library, for tests that run real child processes (node cannot load the .ts sources). */
export const distTrack = fileURLToPath(new URL("../../dist/track/index.js", import.meta.url));
export const distStore = fileURLToPath(new URL("../../dist/store/index.js", import.meta.url));

export function requireDist(): void {
  if (!existsSync(distTrack)) throw new Error(`${distTrack} does not exist: run npm run build first`);
}
