/**
 * PII columns reach the prediction log only as keyed hashes (HMAC-SHA256, hex). The key lives outside
 * the store, so a copied store file reveals nothing, while whoever holds the key can still hash a
 * known value (a customer's email) and find that customer's predictions. Read once, on first need: a
 * server whose models have no PII never creates it.
 */
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { MlshipError } from "../../core/errors.js";

const keyBytes = 32;

/** `--pii-key-file`, else MLSHIP_PII_KEY_FILE, else `$XDG_CONFIG_HOME/mlship/pii.key` (~/.config). */
export function resolvePiiKeyFile(file?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (file) return resolve(file);
  if (env.MLSHIP_PII_KEY_FILE) return resolve(env.MLSHIP_PII_KEY_FILE);
  const config = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(config, "mlship", "pii.key");
}

function keyError(file: string, what: string, cause?: unknown): MlshipError {
  return new MlshipError(
    {
      what: `the PII hashing key cannot be used: ${what}`,
      where: `pii key: ${file}`,
      fix: "point --pii-key-file / MLSHIP_PII_KEY_FILE at a readable file of at least 32 bytes, or let mlship create one in a writable folder",
      code: "E_CONFIG_PII_KEY",
    },
    { cause },
  );
}

/** The key in `file`, created (32 random bytes, mode 0600) when the file does not exist. */
export function loadPiiKey(file: string): Buffer {
  let key: Buffer;
  try {
    key = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      throw keyError(file, (err as NodeJS.ErrnoException).code ?? String(err), err);
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // "wx": two processes starting at once must not each write a different key.
      writeFileSync(file, randomBytes(keyBytes), { mode: 0o600, flag: "wx" });
    } catch (created) {
      if ((created as NodeJS.ErrnoException).code !== "EEXIST")
        throw keyError(file, `creating it failed (${(created as NodeJS.ErrnoException).code})`, created);
    }
    key = readFileSync(file);
  }
  if (key.length < keyBytes)
    throw keyError(file, `it holds ${key.length} bytes, at least ${keyBytes} are needed`);
  return key;
}

export type PiiHasher = (value: unknown) => string;

/** The hash of a value's text, so `1234` and `"1234"` hash alike, as they would in a CSV. */
export function piiHasher(key: Buffer): PiiHasher {
  return (value) => createHmac("sha256", key).update(String(value), "utf8").digest("hex");
}
