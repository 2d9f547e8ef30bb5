/**
 * Content-addressed blobs: artifacts are stored once under their sha256 and verified on every read, so
 * a damaged or tampered blob is refused rather than served.
 */

import type { Kysely } from "kysely";
import { MlshipError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import type { Store } from "./open.js";
import type { StoreSchema } from "./schema.js";

/** Store `data` (once) and return its sha256. Runs inside the caller's transaction when given one. */
export async function putBlob(store: Store, data: Uint8Array, trx?: Kysely<StoreSchema>): Promise<string> {
  const digest = sha256(data);
  const insert = (db: Kysely<StoreSchema>) =>
    db
      .insertInto("blobs")
      .values({ sha256: digest, bytes: data.byteLength, data, created_at: Date.now() })
      .onConflict((oc) => oc.column("sha256").doNothing())
      .execute();
  if (trx) await insert(trx);
  else await store.write(insert);
  return digest;
}

export async function hasBlob(store: Store, digest: string): Promise<boolean> {
  const row = await store.db
    .selectFrom("blobs")
    .select("sha256")
    .where("sha256", "=", digest)
    .executeTakeFirst();
  return row !== undefined;
}

/** The blob's bytes, after checking they still hash to their address. */
export async function getBlob(store: Store, digest: string): Promise<Uint8Array> {
  const row = await store.db
    .selectFrom("blobs")
    .select(["data"])
    .where("sha256", "=", digest)
    .executeTakeFirst();
  if (!row) {
    throw new MlshipError({
      what: `no blob ${digest.slice(0, 12)}… in the store`,
      where: `store: ${store.path}`,
      fix: "the artifact was never stored here or the store was replaced; re-run the training",
      code: "E_STORE_BLOB_MISSING",
    });
  }
  const data = new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
  const actual = sha256(data);
  if (actual !== digest) {
    throw new MlshipError({
      what: `blob ${digest.slice(0, 12)}… fails its checksum (its bytes hash to ${actual.slice(0, 12)}…)`,
      where: `store: ${store.path}`,
      fix: "the store's copy is damaged: restore the store from a backup or register the model again",
      code: "E_STORE_BLOB_CORRUPT",
    });
  }
  return data;
}
