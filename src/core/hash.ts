import { createHash, type Hash } from "node:crypto";

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function newSha256(): Hash {
  return createHash("sha256");
}
